#pragma once
// The y a conditional model (strata_meta.condition) encodes dataset items under. A model with
// a classifier q(y|x) encodes each item under the class it predicts (Model::posterior does so
// by itself). A model without one, such as a plain conditional VAE, was trained on labelled
// pairs: on a dataset with labels among its classes each item is encoded under its label, and
// under uniform class probabilities where it has none (docs/model-contract.md).

#include <cstdint>
#include <vector>

#include "core/data/dataset.h"
#include "core/model/model.h"

namespace strata {

// The model's class of each dataset label: matched by name when the dataset names its classes
// (an image folder sorts them by name, not in the model's order), else by index; -1 for a label
// the model does not have.
std::vector<int> modelClassOfLabels(const ModelInfo& info, const Dataset& dataset);
// The model's class of an item's label (from modelClassOfLabels), or -1.
int modelClassOfItem(const std::vector<int>& classOf, const Dataset& dataset, int64_t item);

// Whether items are encoded under their labels: a conditional model without q(y|x) on a
// dataset with labels.
bool encodesUnderLabels(const ModelInfo& info, const Dataset& dataset);

// A fingerprint of the labels the items would be encoded under (0 when encodesUnderLabels is
// false): encodings computed under other labels are not reused.
uint64_t labelConditionFingerprint(const ModelInfo& info, const Dataset& dataset);

// The condition rows, [count, K], of the items: each label's one-hot row, or uniform class
// probabilities for an item without a label among the model's classes. Empty when
// encodesUnderLabels is false (the model chooses y itself).
std::vector<float> labelConditions(const ModelInfo& info, const Dataset& dataset,
                                   const int64_t* items, size_t count);

// The posterior of the dataset items `items[0 .. count)` whose images are `x`, under
// labelConditions where they apply, else the model's own choice of y; samples drawn from
// `stream` when it is given, means otherwise.
Posterior posteriorOfItems(const Model& model, const Dataset& dataset, const int64_t* items,
                           size_t count, const float* x, SampleStream* stream);

}  // namespace strata
