// Fashion-MNIST from the IDX files Debian's dataset-fashion-mnist installs.
#pragma once

#include <torch/torch.h>

#include "alchain/sdk/dataset.hpp"
#include "alchain/sdk/params.hpp"

namespace alchain::plugins {

class FashionMnist : public Dataset {
 public:
  FashionMnist(const Params& params, const CreateContext& ctx);
  DatasetInfo info() const override;
  std::int64_t size(Split split) const override;
  at::Tensor inputs(Split split, const at::Tensor& ids) override;
  at::Tensor labels(Split split, const at::Tensor& ids) override;

 private:
  struct SplitData {
    at::Tensor images;  // float [N, 1, H, W], normalised
    at::Tensor labels;  // int64 [N]
    std::int64_t height = 0, width = 0;  // as stored in the file, before padding
  };
  /// One split's two files; `like`, when given, is the split whose image size this one must have.
  SplitData load(const std::string& dir, const std::string& prefix, std::int64_t limit, std::int64_t pad,
                 const SplitData* like = nullptr) const;
  const SplitData& split(Split s) const { return s == Split::train ? train_ : test_; }
  void check_ids(Split s, const at::Tensor& ids) const;
  SplitData train_, test_;
};

}  // namespace alchain::plugins
