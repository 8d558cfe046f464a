#pragma once
// The model contract's metadata (strata_meta JSON) and the limits Strata keeps a model to.
// Free of LibTorch, so it can be fuzzed and tested without loading a model.

#include <QString>
#include <QStringList>

#include <cstdint>

#include "core/model/model.h"

namespace strata {

// Limits on what a model may declare. A model beyond them is refused before anything is
// allocated for it: an unchecked shape of [2,000,000,000] once asked for terabytes.
struct ModelLimits {
  // Units in one layer: 4 Mi floats (16 MB per item), e.g. 64 x 256 x 256.
  static constexpr int64_t maxLayerUnits = 4LL << 20;
  // Units over all layers: 16 Mi floats (64 MB per item), above VDVAE's and NVAE's largest.
  static constexpr int64_t maxTotalUnits = 16LL << 20;
  // Latent layers: NVAE and VDVAE use 20 to 70.
  static constexpr int maxLayers = 1024;
  // One input item: 64 Mi values (256 MB as float32), e.g. 4 x 4096 x 4096.
  static constexpr int64_t maxInputValues = 64LL << 20;
  static constexpr int maxChannels = 64;
  static constexpr int maxSide = 16384;
  // Conditioning classes (strata_meta.condition.classes).
  static constexpr int maxClasses = 1000;
};

// Parses strata_meta into `info`; appends every problem to `violations` ("strata_meta.FIELD:
// what is wrong"). Returns false if the metadata is unusable (the probe cannot run).
bool parseModelMeta(const QString& json, ModelInfo& info, QStringList& violations);

}  // namespace strata
