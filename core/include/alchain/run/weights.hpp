// Initial weights from a file: a model's parameters and buffers loaded by name from a
// TorchScript file (torch.jit.save in Python, as tools/export_torchvision.py writes; also an
// alchain checkpoint saved with torch::serialize::OutputArchive).
#pragma once

#include <string>

namespace torch::nn {
class Module;
}

namespace alchain {

/// Copies the parameters and buffers of the TorchScript file at `path` into `model` by name.
/// With `into` (a submodule path such as "backbone"), the file's name "conv1.weight" is the
/// model's "backbone.conv1.weight" and only that submodule's tensors must be in the file.
/// Strict: throws std::runtime_error naming the file and listing every missing (in the model,
/// not in the file), unexpected (in the file, not in the model) and mis-shaped tensor, before
/// anything is copied. Values are converted to each tensor's dtype and device.
void load_weights(torch::nn::Module& model, const std::string& path, const std::string& into = "");

}  // namespace alchain
