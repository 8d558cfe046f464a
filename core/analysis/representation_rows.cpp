#include "core/analysis/representation_rows.h"

#include <algorithm>

#include "core/numeric/representation_scores.h"

namespace strata {
namespace {

MetricRow row(QString key, QString name, double value, QString parameters, bool lowerIsBetter) {
  MetricRow r{std::move(key), std::move(name), value, NAN, NAN, std::move(parameters)};
  r.higherIsBetter = !lowerIsBetter;
  return r;
}

}  // namespace

PosteriorCodes encodePosteriors(const Model& model, const Dataset& dataset,
                                const std::vector<int64_t>& items, int layer, uint64_t seed,
                                const JobControl& job) {
  PosteriorCodes c;
  c.samples = encodeItems(model, dataset, items, layer, true, seed, job.range(0.5, 1.0));
  c.means = c.logVariances = CodeMatrix{c.samples.items, c.samples.dims, {}};
  c.means.values.resize(c.samples.values.size());
  c.logVariances.values.resize(c.samples.values.size());
  // Means and log-variances from one deterministic pass (a hierarchical model's lower layers
  // conditioned on the upper layers' means).
  const size_t dims = size_t(c.means.dims);
  forEachPosteriorBatch(model, dataset, items, nullptr, job.range(0.0, 0.5),
                        [&](const Posterior& q, size_t first, size_t count) {
                          for (size_t i = 0; i < count; ++i) {
                            const size_t at = (first + i) * dims;
                            copyLayerUnits(q.z, model.info(), i, layer, c.means.values.data() + at);
                            copyLayerUnits(q.qLogVar, model.info(), i, layer,
                                           c.logVariances.values.data() + at);
                          }
                        });
  return c;
}

void addRepresentationRows(ModelMetrics& m, const PosteriorCodes& c, const QString& codesText) {
  const std::vector<UnitActivityRow> units = unitActivity(c.means, c.logVariances);
  std::vector<int> all, withoutPassive;
  int counts[3] = {0, 0, 0};
  for (int j = 0; j < int(units.size()); ++j) {
    all.push_back(j);
    ++counts[int(units[size_t(j)].activity)];
    if (units[size_t(j)].activity != UnitActivity::Passive) withoutPassive.push_back(j);
    m.unitClasses << unitActivityName(units[size_t(j)].activity);
  }
  const QString rule =
      QStringLiteral("Bonheme & Grzes: posterior variance steady over items (variance < 0.1) and ");
  const std::pair<UnitActivity, QString> classes[] = {
      {UnitActivity::Passive, rule + "within 1 +/- 0.1 (the prior's)"},
      {UnitActivity::Mixed, QStringLiteral("Bonheme & Grzes: neither passive nor active")},
      {UnitActivity::Active, rule + "at most 0.1"}};
  for (const auto& [activity, text] : classes) {
    const QString name = unitActivityName(activity);
    m.rows.push_back(row("units/" + name, name + " units", counts[int(activity)],
                         text + "; " + codesText, false));
    m.rows.back().outOf = double(units.size());
  }
  using ScoreFn = double (*)(const CodeMatrix&, const std::vector<int>&);
  const struct {
    QString key, name, how;
    ScoreFn score;
    int maxUnits;
  } scores[] = {{"tc", "Gaussian total correlation", "-1/2 log det of the correlation",
                 [](const CodeMatrix& codes, const std::vector<int>& chosen) {
                   return gaussianTotalCorrelation(codes, chosen);
                 },
                 kMaxUnitsForTotalCorrelation},
                {"mi", "mean pairwise MI", "20 bins per unit, mean over pairs",
                 [](const CodeMatrix& codes, const std::vector<int>& chosen) {
                   return meanPairwiseMutualInformation(codes, chosen);
                 },
                 kMaxUnitsForMutualInformation}};
  const QString passive = QStringLiteral(" without the %1 passive units").arg(counts[0]);
  for (const auto& codesAndName : {std::pair{&c.means, QStringLiteral("mean")},
                                   std::pair{&c.samples, QStringLiteral("sampled")}}) {
    const CodeMatrix* codes = codesAndName.first;
    const QString& which = codesAndName.second;
    for (const auto& s : scores) {
      auto score = [&](const std::vector<int>& chosen, QString& parameters) {
        parameters = s.how + "; " + codesText;
        if (int(chosen.size()) <= s.maxUnits) return s.score(*codes, chosen);
        parameters = QStringLiteral("not computed: %1 units, at most %2 (choose one layer); %3")
                         .arg(chosen.size())
                         .arg(s.maxUnits)
                         .arg(codesText);
        return double(NAN);
      };
      QString parameters;
      double value = score(all, parameters);
      m.rows.push_back(row(s.key + "/" + which, s.name + ", " + which + " codes (nats)", value,
                           parameters, true));
      value = score(withoutPassive, parameters);
      m.rows.push_back(row(s.key + "/" + which + "/without-passive",
                           s.name + ", " + which + " codes," + passive, value, parameters, true));
    }
  }
}

}  // namespace strata
