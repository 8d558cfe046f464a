#include "core/analysis/relevance_rows.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace strata {
namespace {

// Items [first, first + count) of `all`.
Latents sliceItems(const Latents& all, const ModelInfo& info, int64_t first, int64_t count) {
  Latents out;
  out.batch = count;
  for (size_t l = 0; l < all.layers.size(); ++l) {
    const auto size = info.layers[l].size();
    const auto begin = all.layers[l].begin() + first * size;
    out.layers.emplace_back(begin, begin + count * size);
  }
  // A conditional model's y, one row per item (or one shared row, kept as it is).
  const size_t k = size_t(info.classes.size());
  if (k > 0 && all.condition.size() == size_t(all.batch) * k)
    out.condition.assign(all.condition.begin() + first * int64_t(k),
                         all.condition.begin() + (first + count) * int64_t(k));
  else
    out.condition = all.condition;
  return out;
}

// The posterior means of every layer of `items`, one Latents.
Latents posteriorMeans(const Model& model, const Dataset& dataset,
                       const std::vector<int64_t>& items, const JobControl& job) {
  Latents all;
  all.layers.resize(model.info().layers.size());
  forEachPosteriorBatch(
      model, dataset, items, nullptr, job, [&](const Posterior& q, size_t, size_t count) {
        all.batch += int64_t(count);
        for (size_t l = 0; l < all.layers.size(); ++l)
          all.layers[l].insert(all.layers[l].end(), q.z.layers[l].begin(), q.z.layers[l].end());
        all.condition.insert(all.condition.end(), q.z.condition.begin(), q.z.condition.end());
      });
  return all;
}

MetricRow countRow(QString key, QString name, double value, double outOf, QString parameters) {
  MetricRow r{std::move(key), std::move(name), value, NAN, NAN, std::move(parameters)};
  r.higherIsBetter = false;
  r.outOf = outOf;
  return r;
}

}  // namespace

std::vector<double> jacobianWeights(const Model& model, const Dataset& dataset,
                                    const std::vector<int64_t>& items, int layer,
                                    const JobControl& job) {
  const std::vector<int64_t> chosen(
      items.begin(),
      items.begin() + std::min<int64_t>(int64_t(items.size()), kRelevanceJacobianItems));
  return jacobianWeightsAt(model, posteriorMeans(model, dataset, chosen, job.range(0, 0.1)), layer,
                           job.range(0.1, 1.0));
}

std::vector<double> jacobianWeightsAt(const Model& model, const Latents& means, int layer,
                                      const JobControl& job) {
  const ModelInfo& info = model.info();
  const int64_t units = layer < 0 ? info.totalLatentSize() : info.layers[size_t(layer)].size();
  if (means.batch < 1 || units < 1) return std::vector<double>(size_t(units), 0.0);
  // Each call decodes items x units rows; bound the decoded values held at once (with their
  // tangents) to about a million values (4 MB).
  const int64_t pixels = int64_t(info.input.channels) * info.input.height * info.input.width;
  const int64_t rows = std::max<int64_t>(1, (int64_t(1) << 20) / std::max<int64_t>(1, pixels));
  const int64_t itemsPerCall = std::min<int64_t>(means.batch, rows);
  const int64_t unitsPerCall = std::clamp<int64_t>(rows / itemsPerCall, 1, units);
  std::vector<double> sums(size_t(units), 0.0);
  auto blocks = [](int64_t n, int64_t size) { return (n + size - 1) / size; };
  const double calls = double(blocks(means.batch, itemsPerCall) * blocks(units, unitsPerCall));
  double done = 0;
  for (int64_t first = 0; first < means.batch; first += itemsPerCall) {
    const Latents at = sliceItems(means, info, first, std::min(itemsPerCall, means.batch - first));
    for (int64_t unit = 0; unit < units; unit += unitsPerCall) {
      job.cancel.throwIfCancelled();
      const int64_t count = std::min(unitsPerCall, units - unit);
      const std::vector<double> norms = model.jacobianColumnSquaredNorms(at, layer, unit, count);
      for (int64_t c = 0; c < count; ++c) {
        // A finite decode can still have an infinite slope (sqrt at 0, a saturated exp).
        if (!std::isfinite(norms[size_t(c)]))
          throw ModelOutputError(
              "decode", "Jacobian column for unit " + std::to_string(unit + c) + " is not finite");
        sums[size_t(unit + c)] += norms[size_t(c)];
      }
      job.report(++done / calls);
    }
  }
  for (double& s : sums) s /= double(means.batch);
  return sums;
}

void addRelevanceRows(ModelMetrics& m, const Model& model, const Dataset& dataset,
                      const std::vector<int64_t>& items, const PosteriorCodes& codes, int layer,
                      const QString& codesText, const JobControl& job) {
  const int units = codes.means.dims;
  const int64_t jacobianItems = std::min<int64_t>(int64_t(items.size()), kRelevanceJacobianItems);
  const QString how =
      QStringLiteral(
          "ARD-VAE (Saha et al.): relevance = Jacobian weight (Eq. 18, mean squared "
          "column norm of d xhat / dz at the posterior means of the first %1 items, "
          "xhat in data units) x prior variance (Eq. 17, mean of mu^2 + sigma^2); "
          "fewest units whose share exceeds 99%; %2")
          .arg(jacobianItems)
          .arg(codesText);
  const QString priorOnly =
      QStringLiteral(
          "ARD-VAE prior variance alone (Eq. 17, mean of mu^2 + sigma^2), without "
          "the Jacobian weight: fewest units whose share exceeds 99%; %1")
          .arg(codesText);
  MetricRow relevant =
      countRow("relevance/relevant-units", "relevant units (ARD-VAE, 99%)", NAN, units, how);
  MetricRow prior = countRow("relevance/prior-variance-only", "units by prior variance alone (99%)",
                             NAN, units, priorOnly);
  try {
    prior.value = unitsExplaining(ardPriorVariance(codes.means, codes.logVariances),
                                  kRelevanceExplained, nullptr, nullptr);
  } catch (const std::invalid_argument& e) {  // non-finite codes: say so, keep the other rows
    prior.parameters = QStringLiteral("not computed: %1; %2").arg(e.what(), codesText);
  }
  if (units > kMaxUnitsForRelevance) {
    relevant.parameters =
        QStringLiteral("not computed: %1 units, at most %2 (choose one layer); %3")
            .arg(units)
            .arg(kMaxUnitsForRelevance)
            .arg(codesText);
  } else {
    try {
      const UnitRelevance r = ardRelevance(codes.means, codes.logVariances,
                                           jacobianWeights(model, dataset, items, layer, job));
      relevant.value = r.relevantUnits;
      m.unitPriorVariance = r.priorVariance;
      m.unitJacobianWeight = r.jacobianWeight;
    } catch (const ModelOutputError& e) {
      relevant.parameters =
          QStringLiteral("not computed: %1; %2").arg(QString::fromStdString(e.what()), codesText);
    } catch (const std::invalid_argument& e) {
      relevant.parameters = QStringLiteral("not computed: %1; %2").arg(e.what(), codesText);
    }
  }
  m.rows.push_back(relevant);
  m.rows.push_back(prior);
}

}  // namespace strata
