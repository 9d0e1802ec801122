// An example policy plugin: picks the samples with the highest free energy of the logits.
//
// Free energy E(x) = -T * logsumexp(logits / T) (Liu et al., NeurIPS 2020) is low for inputs the
// model is sure about, so higher energy = more informative, as alchain's policies require.
#include <alchain/sdk/plugin.hpp>

namespace {

class EnergyPolicy : public alchain::ScorePolicy {
 public:
  EnergyPolicy(const alchain::Params& params, const alchain::CreateContext&)
      : temperature_(params.get_float("temperature")) {}

  // Ask the host for the surrogate's logits only; it computes nothing else.
  std::uint32_t needs() const override { return alchain::kNeedLogits; }

 protected:
  // One score per sample of the batch; ScorePolicy keeps them and picks the top `budget`.
  at::Tensor score(const alchain::PoolBatch& batch) override {
    return -temperature_ * at::logsumexp(batch.logits / temperature_, 1);
  }

 private:
  double temperature_;
};

// Parameters are checked by the host (type, bounds) before the plugin is created, so a typo in
// the pipeline is reported with its line and column by `alchain validate`.
const alchain_param_spec kParams[] = {
    {"temperature", ALCHAIN_PARAM_FLOAT, "1.0", 1e-3, 1e3, nullptr, "Softmax temperature T."},
};

}  // namespace

ALCHAIN_POLICY_PLUGIN(EnergyPolicy, "energy", "1.0.0",
                      "Highest free energy -T logsumexp(logits / T) (Liu et al. 2020).", kParams)
