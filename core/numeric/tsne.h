#pragma once
// t-SNE (van der Maaten 2014): input affinities from an approximate kNN graph (HNSW) with a
// per-point perplexity search, PCA initialisation and the usual early-exaggeration schedule.
// The repulsion is interpolated on a grid and convolved with FFTs (FIt-SNE, Linderman et al.
// 2019) or summed over a Barnes-Hut tree. Two or three output dimensions.

#include <cstdint>
#include <vector>

#include "core/base/job.h"

namespace strata {

// How the repulsive part of the gradient is computed.
enum class TsneGradient {
  // Charges interpolated onto an equispaced grid, kernel applied by FFT convolution: O(n)
  // per iteration plus a grid cost that grows with the layout's extent. Two output dimensions
  // and at least kTsneMinPointsForFft points; otherwise Barnes-Hut is used.
  Fft,
  // Quadtree (octree for three dimensions) with the accuracy `theta`: O(n log n).
  BarnesHut,
};

// Around this size the FFT grid (at least 150 x 150 nodes, whatever n is) and the Barnes-Hut
// tree take the same time (measured on Fashion-MNIST and Gaussian blobs, two threads: at 2,000
// points Barnes-Hut is twice as fast, at 10,000 the FFT 1.5 times); below it
// TsneGradient::Fft falls back to Barnes-Hut.
constexpr int64_t kTsneMinPointsForFft = 5000;

struct TsneParameters {
  double perplexity = 30;
  int iterations = 1000;  // as scikit-learn and openTSNE (250 exaggerated + 750)
  int exaggerationIterations = 250;
  double exaggeration = 12;
  double learningRate = 0;  // 0: automatic, max(n / exaggeration / 4, 50) as scikit-learn
  TsneGradient gradient = TsneGradient::Fft;
  double theta = 0.5;  // Barnes-Hut accuracy (0 = exact)
  int outputDims = 2;  // 2 or 3 (3 always uses Barnes-Hut)
  uint64_t seed = 0;
  int threads = 2;  // the layout depends on the seed and on this count
};

// Returns [n, outputDims], centred on the origin.
std::vector<float> tsne(const float* data, int64_t n, int dims, const TsneParameters& p,
                        const JobControl& job = {});

}  // namespace strata
