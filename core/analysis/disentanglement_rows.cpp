#include "core/analysis/disentanglement_rows.h"

#include <stdexcept>

#include "core/numeric/disentanglement_lib_scores.h"

namespace strata {
namespace {

// disentanglement_lib's sizes: 10000 / 5000 FactorVAE votes; SAP and DCI train on the first
// 80 % of the items (it draws 10000 and 5000 fresh ones).
constexpr int kLibraryTrainVotes = 10000, kLibraryEvalVotes = 5000;
constexpr double kTrainFraction = 0.8;

MetricRow row(QString key, QString name, double value, QString parameters, double low = NAN,
              double high = NAN) {
  return {std::move(key), std::move(name), value, low, high, std::move(parameters), true};
}

// The first factor with too many values to be classes, by name; empty if none.
QString continuousFactor(const FactorClasses& binned, const std::vector<double>& factors,
                         const QStringList& names) {
  const FactorClasses raw =
      factorClasses(factors, binned.items, int(names.size()), FactorBinning::RawValues);
  for (int k = 0; k < raw.factors(); ++k)
    if (raw.classCount[size_t(k)] > kMaxFactorValuesAsClasses)
      return QStringLiteral("factor '%1' has %2 distinct values (at most %3 can be classes)")
          .arg(names[raw.kept[size_t(k)]])
          .arg(raw.classCount[size_t(k)])
          .arg(kMaxFactorValuesAsClasses);
  return {};
}

void addLibraryRows(ModelMetrics& m, const DisentanglementInputs& in, const FactorClasses& raw,
                    const JobControl& job, MetricInputs* inputs) {
  const CodeMatrix& codes = in.codes;
  const QString lib = QStringLiteral("disentanglement_lib convention; ");
  const MigScore mig = mutualInformationGap(codes, raw);
  m.migPerFactor = mig.perFactor;
  m.rows.push_back(
      row("mig", "MIG", mig.score,
          lib + QStringLiteral("raw factors, %1 code bins; %2").arg(mig.bins).arg(in.codesText)));
  const int64_t trainItems = int64_t(kTrainFraction * double(codes.items));
  if (trainItems >= 1 && trainItems < codes.items) {
    const QString split = QStringLiteral("first %1 items train, %2 test; %3")
                              .arg(trainItems)
                              .arg(codes.items - trainItems)
                              .arg(in.codesText);
    const SvmSapScore sap = svmSap(codes, raw, trainItems);
    m.sapPerFactor = sap.perFactor;
    m.rows.push_back(row("sap", "SAP", sap.score,
                         lib + "gap of LinearSVC(C=0.01, balanced) test accuracies, " + split));
    job.report(0.05);
    const BoostedDciScore dci = boostedDci(codes, raw, trainItems, job.range(0.05, 0.75));
    m.dciImportance = dci.importance;
    const QString trees = lib + "gradient-boosted trees (scikit-learn defaults), " + split;
    m.rows.push_back(row("dci/disentanglement", "DCI disentanglement", dci.disentanglement, trees));
    m.rows.push_back(row("dci/completeness", "DCI completeness", dci.completeness, trees));
    m.rows.push_back(row(
        "dci/informativeness", "DCI informativeness (test accuracy)", dci.informativeness,
        trees + QStringLiteral("; train accuracy %1").arg(dci.trainInformativeness, 0, 'f', 4)));
  }
  job.cancel.throwIfCancelled();
  const SamplingPlan votes =
      drawFactorVaeVotes(raw, in.seed + 19, kLibraryTrainVotes, kLibraryEvalVotes);
  const ClassifierScore fv = factorVaeScoreByStd(codes, raw, votes, in.seed + 23);
  m.rows.push_back(row("factorvae", "FactorVAE score", fv.score,
                       lib + QStringLiteral("%1/%2 votes of %3 drawn with replacement, majority "
                                            "vote, %4 dims with std < 0.05 pruned; %5")
                                 .arg(votes.fvTrainFactor.size())
                                 .arg(votes.fvEvalFactor.size())
                                 .arg(votes.groupSize)
                                 .arg(fv.prunedDims.size())
                                 .arg(in.codesText),
                       fv.low, fv.high));
  if (inputs) {
    inputs->libraryVotes = votes;
    inputs->trainItems = trainItems;
  }
}

// Strata's definitions before the convention above became the default.
void addStrataVariantRows(ModelMetrics& m, const DisentanglementInputs& in,
                          const FactorClasses& classes, const SamplingPlan& plan,
                          const JobControl& job) {
  const CodeMatrix& codes = in.codes;
  const QString on = in.codesText;
  const MigScore mig = mutualInformationGap(codes, classes);
  m.rows.push_back(row("mig/binned-factors", "MIG (factors over 20 values in 20 bins)", mig.score,
                       QStringLiteral("Strata variant; %1 bins; %2").arg(mig.bins).arg(on)));
  const SapScore sap = separatedAttributePredictability(codes, classes);
  m.rows.push_back(row("sap/continuous", "SAP (continuous R^2 form)", sap.score,
                       "Strata variant; all items; " + on));
  job.cancel.throwIfCancelled();
  if (classes.factors() >= 2 && codes.items >= 10) {
    const DciScore dci = dciScore(codes, classes);
    const QString lasso = QStringLiteral("Strata variant; Lasso alpha %1, %2% train; %3")
                              .arg(dci.alpha)
                              .arg(int(dci.trainFraction * 100))
                              .arg(on);
    m.rows.push_back(row("dci-lasso/disentanglement", "DCI disentanglement (Lasso)",
                         dci.disentanglement, lasso));
    m.rows.push_back(
        row("dci-lasso/completeness", "DCI completeness (Lasso)", dci.completeness, lasso));
    m.rows.push_back(row("dci-lasso/informativeness", "DCI informativeness (Lasso, test R^2)",
                         dci.informativeness, lasso));
  }
  job.cancel.throwIfCancelled();
  const ClassifierScore fv = factorVaeScore(codes, classes, plan, in.seed + 13);
  m.rows.push_back(row("factorvae/variance-pruned", "FactorVAE score (variance-pruned)", fv.score,
                       QStringLiteral("Strata variant; %1/%2 votes of %3 items of one class, "
                                      "majority vote, %4 dims with variance < 0.05 pruned; %5")
                           .arg(plan.fvTrainFactor.size())
                           .arg(plan.fvEvalFactor.size())
                           .arg(plan.groupSize)
                           .arg(fv.prunedDims.size())
                           .arg(on),
                       fv.low, fv.high));
}

}  // namespace

void addDisentanglementRows(ModelMetrics& m, const DisentanglementInputs& in, const JobControl& job,
                            MetricInputs* inputs) {
  const CodeMatrix& codes = in.codes;
  const int factorCount = int(in.factorNames.size());
  const FactorClasses classes = factorClasses(in.factors, codes.items, factorCount);
  if (classes.factors() == 0 || codes.dims < 2) return;  // scores need two units to compare
  for (int k : classes.kept) m.factorNames << in.factorNames[k];
  m.codeDims = codes.dims;
  job.cancel.throwIfCancelled();

  const QString notClasses = continuousFactor(classes, in.factors, in.factorNames);
  if (notClasses.isEmpty()) {
    const FactorClasses raw = factorValueClasses(in.factors, codes.items, factorCount);
    addLibraryRows(m, in, raw, job.range(0.0, 0.8), inputs);
  } else {  // said in the table rather than silently scored another way
    const std::pair<const char*, const char*> scores[] = {
        {"mig", "MIG"},
        {"sap", "SAP"},
        {"dci/disentanglement", "DCI disentanglement"},
        {"dci/completeness", "DCI completeness"},
        {"dci/informativeness", "DCI informativeness (test accuracy)"},
        {"factorvae", "FactorVAE score"}};
    for (const auto& [key, name] : scores)
      m.rows.push_back(
          row(key, name, NAN, "not computed in disentanglement_lib's convention: " + notClasses));
  }
  job.report(0.8);
  job.cancel.throwIfCancelled();
  const SamplingPlan plan = makeSamplingPlan(classes, in.seed + 11);
  const ClassifierScore bv = betaVaeScore(codes, classes, plan, in.seed + 17);
  m.rows.push_back(row("betavae", "beta-VAE score", bv.score,
                       QStringLiteral("%1/%2 examples of %3 pairs, logistic regression C=1; %4")
                           .arg(plan.bvTrainFactor.size())
                           .arg(plan.bvEvalFactor.size())
                           .arg(plan.groupSize)
                           .arg(in.codesText),
                       bv.low, bv.high));
  job.report(0.9);
  addStrataVariantRows(m, in, classes, plan, job);
  job.report(1.0);
  if (inputs) {
    inputs->codes = codes;
    inputs->factors = in.factors;
    inputs->factorCount = factorCount;
    inputs->plan = plan;
  }
}

}  // namespace strata
