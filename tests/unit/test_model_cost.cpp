// GOPs and fleet latency: `alchain models` and the latency limit `validate` and `run` enforce.
#include <doctest/doctest.h>

#include <fstream>

#include "alchain/engine/model_cost.hpp"
#include "alchain/pipeline/plugin_params.hpp"
#include "alchain/sdk/model.hpp"
#include "test_support.hpp"

using namespace alchain;

TEST_CASE("measure_model counts a real plugin's parameters and multiply-adds; GOPs and latency follow") {
  const PluginRegistry& reg = test::shipped_plugins();
  const Params params = default_params(reg.get(PluginKind::model, "resnet20"));
  const ModelCost c = measure_model(reg, "resnet20", "resnet20", params, {1, 32, 32}, 10);
  CreateContext ctx;
  ctx.num_classes = 10;
  ctx.input_shape = {1, 32, 32};
  const auto model = reg.create_model("resnet20", params, ctx);
  CHECK(c.params == model->parameter_count());
  CHECK(c.macs == model->macs({1, 32, 32}));
  CHECK(c.params > 250000);  // ResNet-20 (He et al. 2016): 0.27 M parameters
  CHECK(c.params < 300000);
  CHECK(c.gops() == doctest::Approx(2.0 * static_cast<double>(c.macs) / 1e9));
  // 1 TOPS = 1000 GOPs per second: 1 GOP takes 1 ms.
  CHECK(latency_ms(1.0, 1.0) == doctest::Approx(1.0));
  CHECK(latency_ms(c.gops(), 1.3) == doctest::Approx(c.gops() / 1.3));
  // Multiply-adds grow with the input's pixels (a fully convolutional trunk): 4x pixels, about 4x.
  const ModelCost big = measure_model(reg, "resnet20", "resnet20", params, {1, 64, 64}, 10);
  CHECK(static_cast<double>(big.macs) == doctest::Approx(4.0 * static_cast<double>(c.macs)).epsilon(0.01));
  CHECK(big.params == c.params);

  CHECK(parse_hardware("fpga=2.5").tops == 2.5);
  CHECK(parse_hardware("fpga=2.5").name == "fpga");
  CHECK_THROWS_WITH_AS(parse_hardware("fpga"), "'fpga': expected NAME=TOPS (e.g. orin=50)", std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_hardware("fpga=0"), "'fpga=0': TOPS must be a number > 0", std::invalid_argument);
  CHECK_THROWS_AS(parse_hardware("fpga=2x"), std::invalid_argument);
}

TEST_CASE("alchain models prints parameters, multiply-adds, GOPs and latency on the fleet") {
  const PluginRegistry& reg = test::shipped_plugins();
  const ModelCost r20 = measure_model(reg, "resnet20", "resnet20", default_params(reg.get(PluginKind::model, "resnet20")),
                                      {3, 64, 128}, 19);
  const auto r = test::run_cli("models --model resnet20 --model lenet5 --input 3x64x128 --classes 19 --hardware fpga=2.5");
  REQUIRE_MESSAGE(r.status == 0, r.output);
  CHECK(r.output.find("per input of 3x64x128") != std::string::npos);
  CHECK(r.output.find("tx2 ms") != std::string::npos);
  CHECK(r.output.find("orin ms") != std::string::npos);
  CHECK(r.output.find("fpga ms") != std::string::npos);
  CHECK(r.output.find("tx2 1.3 TOPS (Jetson TX2, float only)") != std::string::npos);
  const auto row = r.output.find("\nresnet20 ");
  REQUIRE(row != std::string::npos);
  const std::string line = r.output.substr(row + 1, r.output.find('\n', row + 1) - row - 1);
  CHECK_MESSAGE(line.find(" " + std::to_string(r20.params) + " ") != std::string::npos, line);
  CHECK_MESSAGE(line.find(" " + std::to_string(r20.macs) + " ") != std::string::npos, line);
  CHECK(r.output.find("\nmlp ") == std::string::npos);  // only the models asked for

  // Bad arguments are usage errors (2), an unknown model an error (1).
  CHECK(test::run_cli("models --input 3x64").status == 2);
  CHECK(test::run_cli("models --input 3x0x4").status == 2);
  CHECK(test::run_cli("models --hardware fpga").status == 2);
  const auto unknown = test::run_cli("models --model resnet51");
  CHECK(unknown.status == 1);
  CHECK(unknown.output.find("unknown model 'resnet51'") != std::string::npos);
}

TEST_CASE("a generation's latency limit on its hardware: validate refuses a model that does not fit, naming the numbers") {
  test::TempDir dir;
  const auto pipeline = [&](const std::string& name, const std::string& gen0_extra) {
    std::ofstream(dir.path() / name) << "schema = 1\nname = \"fleet\"\n[hardware]\ncar = 0.5\n"
                                        "[dataset]\nplugin = \"fashion_mnist\"\nparams = { train_limit = 500, test_limit = 100 }\n"
                                        "[budget]\ninitial = 20\nper_cycle = 20\ncycles = 1\n[training]\nepochs = 1\n"
                                        "[[generation]]\nmodel = \"resnet20\"\npolicy = \"entropy\"\n"
                                     << gen0_extra << "\n";
    return (dir.path() / name).string();
  };
  const PluginRegistry& reg = test::shipped_plugins();
  const ModelCost c = measure_model(reg, "gen0", "resnet20", default_params(reg.get(PluginKind::model, "resnet20")),
                                    {1, 32, 32}, 10);
  const double tx2_ms = c.gops() / 1.3;

  const auto fits = test::run_cli("validate " + pipeline("fits.toml", "hardware = \"tx2\"\nmax_latency_ms = " +
                                                                          std::to_string(tx2_ms * 1.01)));
  CHECK_MESSAGE(fits.status == 0, fits.output);

  const std::string tight = pipeline("tight.toml", "hardware = \"tx2\"\nmax_latency_ms = " + std::to_string(tx2_ms * 0.99));
  const auto refused = test::run_cli("validate " + tight);
  CHECK(refused.status == 1);
  CHECK_MESSAGE(refused.output.find(tight + ":18:18: generation[0].max_latency_ms: model 'resnet20' does not fit tx2: ") !=
                    std::string::npos,
                refused.output);
  CHECK(refused.output.find("at 1.3 TOPS, over the limit of") != std::string::npos);
  // run refuses it too, before anything is written.
  const auto run = test::run_cli("run " + tight + " -o " + (dir.path() / "out.h5").string() + " -q");
  CHECK(run.status == 1);
  CHECK(run.output.find("does not fit tx2") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.path() / "out.h5"));

  // A pipeline's own hardware: car at 0.5 TOPS is slower than the TX2.
  const auto car = test::run_cli("validate " + pipeline("car.toml", "hardware = \"car\"\nmax_latency_ms = " +
                                                                        std::to_string(tx2_ms * 1.01)));
  CHECK(car.status == 1);
  CHECK(car.output.find("does not fit car: ") != std::string::npos);
  CHECK(car.output.find("at 0.5 TOPS") != std::string::npos);

  // alchain models with the pipeline: its generations' models at its dataset's input.
  const auto models = test::run_cli("models " + tight);
  REQUIRE_MESSAGE(models.status == 0, models.output);
  CHECK(models.output.find("per input of 1x32x32") != std::string::npos);
  CHECK(models.output.find("gen0 (resnet20)") != std::string::npos);
  CHECK(models.output.find("car ms") != std::string::npos);

  // With --input and --classes the dataset is not opened: a pipeline whose data are elsewhere.
  const std::string away = pipeline("away.toml", "hardware = \"car\"");
  std::string text = test::read_file(away);
  text.replace(text.find("params = {"), 0, "params = { root = \"no/such/folder\" }\n# ");
  test::write_file(away, text);
  CHECK(test::run_cli("models " + away).status == 1);  // it needs the data for their shape
  const auto given = test::run_cli("models " + away + " --input 3x64x128 --classes 19");
  REQUIRE_MESSAGE(given.status == 0, given.output);
  CHECK(given.output.find("per input of 3x64x128") != std::string::npos);
  CHECK(given.output.find("gen0 (resnet20)") != std::string::npos);
}
