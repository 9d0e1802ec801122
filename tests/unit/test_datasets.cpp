// Dataset plugins on real data: Fashion-MNIST from Debian's package, image folders written here.
#include <zlib.h>

#include <doctest/doctest.h>
#include <opencv2/imgcodecs.hpp>
#include <torch/torch.h>

#include "alchain/pipeline/plugin_params.hpp"
#include "alchain/sdk/dataset.hpp"
#include "test_support.hpp"

using namespace alchain;

namespace {

using test::make_dataset;

std::string error_of(const std::string& name, const std::string& params_toml) {
  try {
    make_dataset(name, params_toml);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

void write_gz(const std::filesystem::path& p, const std::vector<unsigned char>& bytes) {
  gzFile f = gzopen(p.string().c_str(), "wb");
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
}

std::vector<unsigned char> idx_header(unsigned char dims, std::vector<std::uint32_t> shape) {
  std::vector<unsigned char> b{0, 0, 0x08, dims};
  for (auto s : shape) for (int k = 3; k >= 0; --k) b.push_back(static_cast<unsigned char>(s >> (8 * k)));
  return b;
}

}  // namespace

TEST_CASE("fashion_mnist reads Debian's IDX files: sizes, shape, labels, normalisation") {
  auto d = make_dataset("fashion_mnist", "");
  CHECK(d->size(Split::train) == 60000);
  CHECK(d->size(Split::test) == 10000);
  const DatasetInfo info = d->info();
  CHECK(info.class_names.size() == 10);
  CHECK(info.class_names[9] == "ankle boot");
  CHECK(info.input_shape == std::vector<std::int64_t>{1, 32, 32});
  const at::Tensor x = d->inputs(Split::train, torch::tensor({0, 59999}, torch::kInt64));
  CHECK(x.sizes() == at::IntArrayRef{2, 1, 32, 32});
  // The 2-pixel border is black: (0 - mean) / std.
  CHECK(x[0][0][0][0].item<float>() == doctest::Approx((0.0 - 0.2860) / 0.3530).epsilon(1e-5));
  // The first training and test images are both ankle boots (label 9).
  CHECK(d->labels(Split::train, torch::tensor({0}, torch::kInt64)).item<std::int64_t>() == 9);
  CHECK(d->labels(Split::test, torch::tensor({0}, torch::kInt64)).item<std::int64_t>() == 9);
  // 6000 images per class in the training split.
  const at::Tensor all = d->labels(Split::train, torch::arange(60000, torch::kInt64));
  CHECK(torch::bincount(all).eq(6000).all().item<bool>());
  CHECK_THROWS_AS(d->inputs(Split::test, torch::tensor({10000}, torch::kInt64)), std::out_of_range);
}

TEST_CASE("fashion_mnist limits and padding") {
  auto d = make_dataset("fashion_mnist", "train_limit = 500\ntest_limit = 100\npad = 0");
  CHECK(d->size(Split::train) == 500);
  CHECK(d->size(Split::test) == 100);
  CHECK(d->info().input_shape == std::vector<std::int64_t>{1, 28, 28});
}

TEST_CASE("corrupt or missing IDX files give one error naming the file") {
  test::TempDir dir;
  const std::string root = "root = \"" + dir.path().string() + "\"";
  CHECK(error_of("fashion_mnist", root).find("train-images-idx3-ubyte.gz: missing") != std::string::npos);

  auto header = idx_header(3, {100, 28, 28});
  header.resize(header.size() + 50);  // announces 78400 bytes, holds 50
  write_gz(dir / "train-images-idx3-ubyte.gz", header);
  write_gz(dir / "train-labels-idx1-ubyte.gz", idx_header(1, {100}));
  std::string e = error_of("fashion_mnist", root);
  CHECK(e.find("train-images-idx3-ubyte.gz: not a valid IDX file: truncated") != std::string::npos);

  write_gz(dir / "train-images-idx3-ubyte.gz", {0x12, 0x34, 0x08, 0x03});
  e = error_of("fashion_mnist", root);
  CHECK(e.find("train-images-idx3-ubyte.gz: not a valid IDX file: bad magic number") != std::string::npos);

  write_gz(dir / "train-images-idx3-ubyte.gz", {0x00, 0x00, 0x0D, 0x03});  // IDX floats, not bytes
  e = error_of("fashion_mnist", root);
  CHECK_MESSAGE(e.find("train-images-idx3-ubyte.gz: not a valid IDX file: element type 0x0D, expected unsigned bytes (0x08)") !=
                    std::string::npos,
                e);

  test::write_file(dir / "train-images-idx3-ubyte.gz", "not gzip at all, and not IDX either");
  e = error_of("fashion_mnist", root);
  CHECK(e.find("train-images-idx3-ubyte.gz: not a valid IDX file") != std::string::npos);
}

TEST_CASE("image_folder: classes from folders, stable IDs, resize, grayscale and colour") {
  test::TempDir dir;
  for (const char* split : {"train", "test"})
    for (int c = 0; c < 2; ++c)
      for (int i = 0; i < 3; ++i) {
        const auto p = dir / (std::string(split) + "/" + (c ? "dog" : "cat") + "/img" + std::to_string(i) + ".png");
        std::filesystem::create_directories(p.parent_path());
        cv::Mat img(20, 10, CV_8UC3, cv::Scalar(10 * i, 100 * c, 255));  // B, G, R
        REQUIRE(cv::imwrite(p.string(), img));
      }
  const std::string root = "root = \"" + dir.path().string() + "\"\n";
  auto gray = make_dataset("image_folder", root + "height = 8\nwidth = 4");
  CHECK(gray->info().class_names == std::vector<std::string>{"cat", "dog"});
  CHECK(gray->size(Split::train) == 6);
  CHECK(gray->size(Split::test) == 6);
  const at::Tensor x = gray->inputs(Split::train, torch::tensor({0, 5}, torch::kInt64));
  CHECK(x.sizes() == at::IntArrayRef{2, 1, 8, 4});
  CHECK(gray->labels(Split::train, torch::arange(6, torch::kInt64)).equal(torch::tensor({0, 0, 0, 1, 1, 1}, torch::kInt64)));

  auto colour = make_dataset("image_folder", root + "channels = 3\npreload = false");
  const at::Tensor c = colour->inputs(Split::test, torch::tensor({4}, torch::kInt64));  // dog/img1
  CHECK(c.sizes() == at::IntArrayRef{1, 3, 32, 32});
  CHECK(c[0][0][0][0].item<float>() == doctest::Approx(1.0));          // R = 255
  CHECK(c[0][1][0][0].item<float>() == doctest::Approx(100.0 / 255));  // G
  CHECK(c[0][2][0][0].item<float>() == doctest::Approx(10.0 / 255));   // B

  test::write_file(dir / "train/dog/zz_corrupt.png", "this is not a PNG");
  const std::string e = error_of("image_folder", root);
  CHECK(e.find("zz_corrupt.png: cannot be decoded as an image") != std::string::npos);
  CHECK(e.find("dataset 'image_folder'") != std::string::npos);
  CHECK(error_of("image_folder", "root = \"/nonexistent/images\"").find("/nonexistent/images: image_folder root is not a directory") != std::string::npos);
}
