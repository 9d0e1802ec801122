// Model plugins: shapes, embedding, multiply-accumulates, determinism, checkpoint round trip.
#include <doctest/doctest.h>
#include <torch/torch.h>

#include "alchain/pipeline/plugin_params.hpp"
#include "alchain/plugin/plugin_error.hpp"
#include "alchain/sdk/abi.h"
#include "alchain/sdk/model.hpp"
#include "test_support.hpp"

using namespace alchain;

namespace {
std::shared_ptr<Model> make_model(const std::string& name, std::vector<std::int64_t> shape = {1, 32, 32}) {
  const auto& info = test::shipped_plugins().get(PluginKind::model, name);
  Diagnostics d("test");
  Params params = resolve_plugin_params(info, nullptr, "model_params", {}, d);
  CreateContext ctx;
  ctx.num_classes = 10;
  ctx.input_shape = std::move(shape);
  ctx.task = info.has(ALCHAIN_FLAG_SEGMENTATION) ? Task::segmentation : Task::classification;
  return test::shipped_plugins().create_model(name, params, ctx);
}
}  // namespace

TEST_CASE("every model gives logits and an embedding of the declared width") {
  for (const auto& name : test::shipped_plugins().names(PluginKind::model)) {
    INFO(name);
    auto m = make_model(name);
    m->eval();
    const ModelOutput out = m->forward(torch::randn({3, 1, 32, 32}));
    if (test::shipped_plugins().get(PluginKind::model, name).has(ALCHAIN_FLAG_SEGMENTATION))
      CHECK(out.logits.sizes() == at::IntArrayRef{3, 10, 32, 32});  // per pixel
    else
      CHECK(out.logits.sizes() == at::IntArrayRef{3, 10});
    CHECK(out.embedding.sizes() == at::IntArrayRef{3, m->embedding_dim()});
    CHECK(m->macs({1, 32, 32}) > 0);
    CHECK(m->parameter_count() > 0);
  }
}

TEST_CASE("resnet20 and lenet5 match the Python reference's size and multiply-adds") {
  auto r = make_model("resnet20");
  // Figures of ../shared/bench/ref_pytorch.py (count_macs: convolutions and linear layers).
  CHECK(r->macs({1, 32, 32}) == 40'256'128);
  CHECK(r->parameter_count() == 269'434);
  auto l = make_model("lenet5");
  CHECK(l->parameter_count() == 59'086);
  CHECK(l->macs({1, 32, 32}) == 413'920);
  // state_dict keys follow the reference's module names, so checkpoints line up.
  bool found = false;
  for (const auto& item : r->named_parameters()) found = found || item.key() == "layers.8.conv2.weight";
  CHECK(found);
}

TEST_CASE("the same LibTorch seed gives the same initial weights") {
  torch::manual_seed(3);
  auto a = make_model("resnet20");
  torch::manual_seed(3);
  auto b = make_model("resnet20");
  auto pa = a->parameters(), pb = b->parameters();
  REQUIRE(pa.size() == pb.size());
  for (std::size_t i = 0; i < pa.size(); ++i) CHECK(pa[i].equal(pb[i]));
}

TEST_CASE("a checkpoint written by the test loads back into a fresh model") {
  test::TempDir dir;
  auto a = make_model("lenet5");
  a->eval();
  const at::Tensor x = torch::randn({2, 1, 32, 32});
  const at::Tensor before = a->forward(x).logits;
  torch::serialize::OutputArchive out;
  a->save(out);
  out.save_to((dir / "lenet5.pt").string());
  auto b = make_model("lenet5");
  torch::serialize::InputArchive in;
  in.load_from((dir / "lenet5.pt").string());
  b->load(in);
  b->eval();
  CHECK(b->forward(x).logits.allclose(before));
}

TEST_CASE("stochastic passes are the model's own capability: declared by flag, available with dropout > 0") {
  for (const auto& name : test::shipped_plugins().names(PluginKind::model)) {
    INFO(name);
    const auto& info = test::shipped_plugins().get(PluginKind::model, name);
    CHECK_FALSE(make_model(name)->stochastic_passes_available());  // defaults: no dropout
    if (!info.has(ALCHAIN_FLAG_MC_DROPOUT)) continue;
    Diagnostics d("test");
    Params params = resolve_plugin_params(info, nullptr, "model_params", {}, d);
    params.set("dropout", 0.5);
    CreateContext ctx;
    ctx.num_classes = 10;
    ctx.input_shape = {1, 32, 32};
    ctx.task = info.has(ALCHAIN_FLAG_SEGMENTATION) ? Task::segmentation : Task::classification;
    auto m = test::shipped_plugins().create_model(name, params, ctx);
    REQUIRE(m->stochastic_passes_available());
    m->eval();
    torch::NoGradGuard no_grad;
    const at::Tensor x = torch::randn({4, 1, 32, 32});
    const at::Tensor deterministic = m->forward(x).logits;
    m->set_stochastic(true);
    const at::Tensor a = m->forward(x).logits, b = m->forward(x).logits;
    CHECK_FALSE(torch::allclose(a, b));  // dropout masks differ between passes
    m->set_stochastic(false);
    CHECK(torch::equal(m->forward(x).logits, deterministic));
  }
}

TEST_CASE("a model offering stochastic passes without declaring ALCHAIN_FLAG_MC_DROPOUT is refused at creation") {
  PluginRegistry r;
  r.scan({test::fixture_dir("undeclared_stochastic")});
  REQUIRE(r.problems().empty());
  CreateContext ctx;
  ctx.num_classes = 3;
  ctx.input_shape = {1, 4, 4};
  try {
    r.create_model("fixture_undeclared", Params{}, ctx);
    FAIL("created");
  } catch (const PluginError& e) {
    CHECK(e.kind() == PluginErrorKind::init_failed);
    CHECK(std::string(e.what()).find("offers stochastic passes but its descriptor does not declare "
                                     "ALCHAIN_FLAG_MC_DROPOUT") != std::string::npos);
  }
}
