#pragma once
// A generative model loaded from a TorchScript file that follows the Strata model contract
// (docs/model-contract.md). LibTorch stays inside model.cpp.

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "core/data/dataset.h"

namespace strata {

struct LayerInfo {
  QString name;
  std::vector<int64_t> shape;  // [D] or [C, H, W]
  // Contract 2, optional: the group a layer belongs to (a resolution, a stage; empty if
  // none) and a name to show instead of `name` (empty if none).
  QString group;
  QString displayName;
  int64_t size() const;
  QString shapeText() const;  // "[4, 7, 7]"
  QString shownName() const { return displayName.isEmpty() ? name : displayName; }
  // For headers: "local (z2) [2, 2, 2] · 2 x 2", or "z2 [2, 2, 2]" without contract-2 names.
  QString title() const;
};

// What `decode` returns (contract 2, strata_meta.output.decode): the mean of p(x|z) in the
// model's input space (after any normalisation), or Bernoulli logits, to which Strata applies
// the sigmoid.
enum class DecodeOutput { Mean, Logits };

struct ModelInfo {
  QString path;
  QString name;
  int contract = 0;
  ItemShape input;
  double rangeLow = 0, rangeHigh = 1;
  // Contract 2, optional (strata_meta.input.normalize): per channel, inputs enter the model as
  // (v - mean[c]) / std[c] after the range mapping; empty when the model declares none.
  std::vector<double> normalizeMean, normalizeStd;
  DecodeOutput decodeOutput = DecodeOutput::Mean;
  QString likelihood;
  std::vector<LayerInfo> layers;  // top first
  QJsonObject training;
  QStringList factors;
  QString metaJson;
  // Contract 2, optional (strata_meta.condition): the classes y of a conditional model, which
  // then takes y as the last argument of every method, and whether it has a classifier q(y|x).
  QStringList classes;
  bool hasClassifier = false;
  bool conditional() const { return !classes.isEmpty(); }
  // Contract 2, optional (strata_meta.objective): the weight beta the objective put on KL and a
  // Gaussian decoder's fixed standard deviation (Dang et al.'s eta_dec) in the model's input
  // space; NaN when not declared. Informative: Strata's bounds use log_px as the model gives it.
  double objectiveBeta = std::nan("");
  double decoderStd = std::nan("");
  bool hasEncoder = false;
  QString encoderUnavailableReason;  // why encoder features are off, when they are
  int64_t totalLatentSize() const;
  // How Strata maps data to the model and back beyond the range, as a sentence ("Inputs are
  // standardised per channel (mean 0.5, 0.4; std 0.25, 0.2). decode returns logits; Strata
  // shows their sigmoid."); empty for a model with neither.
  QString mappingText() const;
};

// Latents for a batch: one row-major [batch, layer size] block per layer, top first.
struct Latents {
  int64_t batch = 0;
  std::vector<std::vector<float>> layers;
  // For a conditional model, the y these latents are decoded under: [batch, K] (a one-hot row
  // or class probabilities per item), or [K] for one y shared by the whole batch; empty for
  // the model's default (see Model). Ignored by unconditional models.
  std::vector<float> condition = {};
};

// y of one class, as a condition row.
std::vector<float> oneHotCondition(int classes, int cls);
// The y of item `item` of `z` for a model of `classes` classes: its row, the shared row, or
// nothing when `z` carries none.
std::vector<float> conditionRow(const Latents& z, int64_t item, int classes);

struct Posterior {
  Latents z, qMean, qLogVar, pMean, pLogVar;
};

// The outcome of checking a file against the contract; lists every violation.
struct ValidationReport {
  QString path;
  QStringList violations;
  QStringList notes;  // facts that are not violations (e.g. decoder-only)
  ModelInfo info;
  bool ok() const { return violations.isEmpty(); }
  QString text() const;
};

// A seeded stream of the random numbers that sampled posteriors draw. A stream's draws follow
// one another as after torch.manual_seed(seed) in Python, whatever other streams, models or
// threads sample in between: LibTorch's generator is process-wide, so each call swaps the
// stream's own generator state in and out.
class SampleStream {
 public:
  explicit SampleStream(uint64_t seed);
  ~SampleStream();
  SampleStream(const SampleStream&) = delete;
  SampleStream& operator=(const SampleStream&) = delete;

 private:
  friend class Model;
  struct State;
  std::unique_ptr<State> state_;
};

class Model {
 public:
  ~Model();

  // Loads and validates; throws ModelError whose message is the full report.
  static std::shared_ptr<Model> load(const QString& path);
  // Checks a file without throwing.
  static ValidationReport validate(const QString& path);

  const ModelInfo& info() const;

  // An independent copy of this model (its module deep-copied, the same info), so that a
  // second thread can run calls while this one runs its own: calls on one model are
  // serialised, since TorchScript modules are not documented as re-entrant.
  std::shared_ptr<Model> replica() const;

  // Images cross this API in [0, 1], the datasets' units, whatever range the model declares:
  // inputs are mapped to the declared input range on the way in and decoded means back on the
  // way out (unclipped). log p(x | z) and everything built on it are the model's own, on
  // correctly scaled inputs. Every result is checked (shape, float32, finite) where it is
  // produced; a violation throws ModelOutputError naming the method and the batch's items.
  //
  // x: [batch, C, H, W] in [0, 1]. Samples (sample = true) come from an unseeded
  // generator; use the SampleStream overload for reproducible ones.
  Posterior posterior(const float* x, int64_t batch, bool sample) const;
  // Posterior samples drawn from `stream`.
  Posterior posterior(const float* x, int64_t batch, SampleStream& stream) const;
  //
  // Conditional models (ModelInfo::conditional) take y from the latents' `condition`. Without
  // one, posterior encodes each item under the class its classifier q(y|x) predicts (uniform
  // class probabilities if it has none), and decode, priorSample and logPx use the first class;
  // every result carries the y it was computed under.
  //
  // Returns the mean of p(x | z), [batch, C, H, W], mapped to [0, 1] (values outside it stay).
  std::vector<float> decode(const Latents& z) const;
  // fixed: the first k layers; eps: standard-normal noise for layers k..L-1;
  // temperature: one per sampled layer. Returns all L layers.
  Latents priorSample(const Latents& fixed, const Latents& eps,
                      const std::vector<double>& temperature) const;
  // log p(x | z) per item.
  std::vector<float> logPx(const float* x, int64_t batch, const Latents& z) const;
  // The logits of q(y|x), [batch, K], for a model with a classifier; throws ModelError otherwise.
  std::vector<float> classLogits(const float* x, int64_t batch) const;
  // Posterior of each item under the given y ([batch, K] or [K]), a conditional model only.
  Posterior posteriorGiven(const float* x, int64_t batch, const std::vector<float>& condition,
                           bool sample) const;
  // ... with its samples drawn from `stream`.
  Posterior posteriorGiven(const float* x, int64_t batch, const std::vector<float>& condition,
                           SampleStream& stream) const;

  // For the ARD-VAE relevance (docs/metrics.md): at every item of `point` (all layers given, as a
  // deterministic posterior returns them), the squared Euclidean norm of the Jacobian column of
  // the decoded mean in data units (what `decode` returns to callers) with respect to each of
  // the units [firstUnit, firstUnit + units) of the chosen layer (-1: all layers, top first),
  // summed over the items. One decode of `units` copies of the batch, copy c carrying the
  // tangent of unit firstUnit + c: forward-mode autograd, or where the decoder uses an operation
  // without a forward derivative, a Jacobian-vector product from two reverse passes (slower,
  // and it holds the graph). A decoder neither can differentiate throws ModelOutputError.
  enum class JacobianMode { Automatic, ForwardMode, DoubleBackward };
  std::vector<double> jacobianColumnSquaredNorms(const Latents& point, int layer, int64_t firstUnit,
                                                 int64_t units,
                                                 JacobianMode mode = JacobianMode::Automatic) const;

  // Fills `eps` with standard-normal noise for layers first..L-1 from a seeded generator.
  Latents noise(int64_t batch, int firstLayer, uint64_t seed) const;

 private:
  Model();
  // Runs `draw` with LibTorch's generator set to the stream's state, and keeps what it drew.
  Posterior sampleFrom(SampleStream& stream, const std::function<Posterior()>& draw) const;
  struct Impl;
  std::unique_ptr<Impl> d;
};

using ModelPtr = std::shared_ptr<const Model>;

}  // namespace strata
