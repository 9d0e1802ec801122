// The backbones DeepLabv3+ can use.
#include "backbone.hpp"

#include <stdexcept>

#include "resnet20.hpp"
#include "mobilenet_v3.hpp"
#include "resnet.hpp"
#include "xception.hpp"

namespace alchain::zoo {

namespace {

struct ResNetTrunkImpl : torch::nn::Module {
  ResNetLayers layers;
};

class ResNetBackbone final : public Backbone {
 public:
  ResNetBackbone(int depth, std::int64_t in_channels, std::int64_t output_stride)
      : trunk_(std::make_shared<ResNetTrunkImpl>()) {
    if (output_stride != 8 && output_stride != 16)
      throw std::invalid_argument("output_stride " + std::to_string(output_stride) + ": 8 or 16 for a dense backbone");
    trunk_->layers.build(*trunk_, depth, in_channels, output_stride);
  }
  std::shared_ptr<torch::nn::Module> module() const override { return trunk_; }
  std::pair<at::Tensor, at::Tensor> forward(const at::Tensor& x) override {
    const auto f = trunk_->layers.forward(x);
    return {f[0], f[3]};
  }
  std::int64_t low_channels() const override { return trunk_->layers.channels(1); }
  std::int64_t high_channels() const override { return trunk_->layers.channels(4); }
  std::int64_t macs(const Shape& in, Shape& low, Shape& high) const override {
    std::array<Shape, 4> shapes;
    const std::int64_t m = trunk_->layers.macs(in, &shapes);
    low = shapes[0];
    high = shapes[3];
    return m;
  }

 private:
  std::shared_ptr<ResNetTrunkImpl> trunk_;
};

class ResNet20Backbone final : public Backbone {
 public:
  ResNet20Backbone(std::int64_t in_channels, std::int64_t width)
      : net_(std::make_shared<plugins::ResNet20>(plugins::ResNet20Options(in_channels, 0).width(width))), width_(width) {}
  std::shared_ptr<torch::nn::Module> module() const override { return net_; }
  std::pair<at::Tensor, at::Tensor> forward(const at::Tensor& x) override {
    ModelOutput out = net_->forward(x);
    return {out.taps.at("stage2"), out.taps.at("stage3")};
  }
  std::int64_t low_channels() const override { return 32 * width_; }
  std::int64_t high_channels() const override { return 64 * width_; }
  std::int64_t macs(const Shape& in, Shape& low, Shape& high) const override {
    low = {32 * width_, (in.h + 1) / 2, (in.w + 1) / 2};
    high = {64 * width_, (low.h + 1) / 2, (low.w + 1) / 2};
    return net_->macs({in.c, in.h, in.w});
  }

 private:
  std::shared_ptr<plugins::ResNet20> net_;
  std::int64_t width_;
};

struct MobileNetTrunkImpl : torch::nn::Module {
  MobileNetV3Features features;
};

class MobileNetV3Backbone final : public Backbone {
 public:
  MobileNetV3Backbone(bool large, std::int64_t in_channels, std::int64_t output_stride)
      : trunk_(std::make_shared<MobileNetTrunkImpl>()) {
    if (output_stride != 16)
      throw std::invalid_argument("output_stride " + std::to_string(output_stride) +
                                  ": a MobileNetV3 backbone runs at 16 (its last stage dilated, as torchvision's DeepLabv3)");
    trunk_->features.build(*trunk_, large, in_channels, /*dilated=*/true);
  }
  std::shared_ptr<torch::nn::Module> module() const override { return trunk_; }
  std::pair<at::Tensor, at::Tensor> forward(const at::Tensor& x) override {
    std::vector<at::Tensor> taps;
    trunk_->features.forward(x, &taps);
    return {taps.front(), taps.back()};
  }
  std::int64_t low_channels() const override { return trunk_->features.tap_channels(0); }
  std::int64_t high_channels() const override { return trunk_->features.channels(); }
  std::int64_t macs(const Shape& in, Shape& low, Shape& high) const override {
    std::vector<Shape> taps;
    const std::int64_t m = trunk_->features.macs(in, &taps);
    low = taps.front();
    high = taps.back();
    return m;
  }

 private:
  std::shared_ptr<MobileNetTrunkImpl> trunk_;
};

struct XceptionTrunkImpl : torch::nn::Module {
  Xception65 net;
};

class XceptionBackbone final : public Backbone {
 public:
  XceptionBackbone(std::int64_t in_channels, std::int64_t output_stride) : trunk_(std::make_shared<XceptionTrunkImpl>()) {
    if (output_stride != 8 && output_stride != 16)
      throw std::invalid_argument("output_stride " + std::to_string(output_stride) + ": 8 or 16 for a dense backbone");
    trunk_->net.build(*trunk_, in_channels, output_stride);
  }
  std::shared_ptr<torch::nn::Module> module() const override { return trunk_; }
  std::pair<at::Tensor, at::Tensor> forward(const at::Tensor& x) override {
    at::Tensor low;
    at::Tensor high = trunk_->net.forward(x, &low);
    return {low, high};
  }
  std::int64_t low_channels() const override { return Xception65::kLowChannels; }
  std::int64_t high_channels() const override { return Xception65::kHighChannels; }
  std::int64_t macs(const Shape& in, Shape& low, Shape& high) const override { return trunk_->net.macs(in, &low, &high); }

 private:
  std::shared_ptr<XceptionTrunkImpl> trunk_;
};

}  // namespace

std::unique_ptr<Backbone> make_backbone(const std::string& name, std::int64_t in_channels, std::int64_t output_stride,
                                        std::int64_t width) {
  if (name == "xception65") return std::make_unique<XceptionBackbone>(in_channels, output_stride);
  if (name == "resnet20") return std::make_unique<ResNet20Backbone>(in_channels, width);
  if (name.rfind("mobilenet_v3_", 0) == 0)
    return std::make_unique<MobileNetV3Backbone>(mobilenet_v3_is_large(name), in_channels, output_stride);
  return std::make_unique<ResNetBackbone>(resnet_depth(name), in_channels, output_stride);
}

}  // namespace alchain::zoo
