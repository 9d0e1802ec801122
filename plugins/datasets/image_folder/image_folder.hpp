// Images in root/<split>/<class>/<file>, read with OpenCV and resized to one shape.
#pragma once

#include <string>
#include <vector>

#include <torch/torch.h>

#include "alchain/sdk/dataset.hpp"
#include "alchain/sdk/params.hpp"

namespace alchain::plugins {

class ImageFolder : public Dataset {
 public:
  ImageFolder(const Params& params, const CreateContext& ctx);
  DatasetInfo info() const override;
  std::int64_t size(Split split) const override;
  at::Tensor inputs(Split split, const at::Tensor& ids) override;
  at::Tensor labels(Split split, const at::Tensor& ids) override;

 private:
  struct SplitData {
    std::vector<std::string> files;  // sorted by class, then file name: the sample IDs
    std::vector<std::int64_t> labels;
    at::Tensor cache;                // [N, C, H, W] when preloaded
  };
  void index(SplitData& s, const std::string& dir, bool define_classes);
  at::Tensor decode(const std::string& file) const;
  const SplitData& split(Split s) const { return s == Split::train ? train_ : test_; }
  void check_ids(Split s, const at::Tensor& ids) const;

  std::string root_;
  std::int64_t channels_, height_, width_;
  double mean_, std_;
  std::vector<std::string> classes_;
  SplitData train_, test_;
};

}  // namespace alchain::plugins
