#include "widgets/model_panel.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTextBrowser>
#include <QVBoxLayout>

#include <cmath>

#include "core/base/resources.h"
#include "core/workspace/workspace.h"

namespace strata {
namespace {

QString escape(const QString& s) {
  return s.toHtmlEscaped();
}

QString valueHtml(const QJsonValue& v);

QString objectHtml(const QJsonObject& o) {
  QString html = QStringLiteral("<table cellspacing='0' cellpadding='1'>");
  for (auto it = o.begin(); it != o.end(); ++it)
    html += QStringLiteral(
                "<tr><td valign='top' style='color:#555;padding-right:8px'>%1</td><td>%2</td></tr>")
                .arg(escape(it.key()), valueHtml(it.value()));
  return html + QStringLiteral("</table>");
}

QString valueHtml(const QJsonValue& v) {
  if (v.isObject()) return objectHtml(v.toObject());
  if (v.isArray()) {
    const QJsonArray a = v.toArray();
    bool simple = true;
    for (const auto& x : a) simple &= !x.isObject() && !x.isArray();
    QStringList parts;
    for (const auto& x : a) parts << (simple ? escape(x.toVariant().toString()) : valueHtml(x));
    return simple ? "[" + parts.join(", ") + "]" : parts.join("<br>");
  }
  if (v.isDouble()) {
    const double d = v.toDouble();
    return d == std::floor(d) && std::abs(d) < 1e15 ? QString::number(qint64(d))
                                                    : QString::number(d, 'g', 6);
  }
  return escape(v.toVariant().toString());
}

QString number(double v, int decimals = 2) {
  return QString::number(v, 'f', decimals);
}

QString perLayer(const QJsonArray& values, const ModelInfo& info, int decimals,
                 const QJsonArray& totals = {}) {
  QStringList parts;
  for (int l = 0; l < values.size(); ++l) {
    const QString name =
        l < int(info.layers.size()) ? info.layers[size_t(l)].shownName() : QString::number(l);
    QString value =
        decimals < 0 ? QString::number(values[l].toInt()) : number(values[l].toDouble(), decimals);
    if (l < totals.size()) value += "/" + QString::number(totals[l].toInt());
    parts << QStringLiteral("%1&nbsp;%2").arg(escape(name), value);
  }
  return parts.join(", ");
}

// The numbers a researcher looks for first, from the card's known keys.
QString cardSummary(const QJsonObject& card, const ModelInfo& info) {
  QString rows;
  auto row = [&rows](const QString& key, const QString& value) {
    if (!value.isEmpty())
      rows +=
          QStringLiteral(
              "<tr><td valign='top' style='color:#555;padding-right:8px'>%1</td><td>%2</td></tr>")
              .arg(key, value);
  };
  const QJsonObject data = card.value("data").toObject();
  const QJsonObject test = card.value("test").toObject();
  row(QStringLiteral("about"), escape(card.value("description").toString()));
  row(QStringLiteral("trained on"), escape(data.value("training").toString()));
  row(QStringLiteral("evaluated on"), escape(data.value("evaluation").toString()));
  row(QStringLiteral("objective"), escape(card.value("objective").toString()));
  if (test.contains("elbo_nats_per_image"))
    row(QStringLiteral("test ELBO"), QStringLiteral("%1 ± %2 nats")
                                         .arg(number(test.value("elbo_nats_per_image").toDouble()),
                                              number(test.value("elbo_std_error").toDouble())));
  const QJsonObject iw = test.value("iw_bound").toObject();
  if (!iw.isEmpty())
    row(QStringLiteral("IW bound"), QStringLiteral("%1 nats (k = %2, %3)")
                                        .arg(number(iw.value("nats_per_image").toDouble()))
                                        .arg(iw.value("k").toInt())
                                        .arg(escape(iw.value("subset").toString())));
  if (test.contains("reconstruction_log_px_nats"))
    row(QStringLiteral("E<sub>q</sub> log p(x|z)"),
        number(test.value("reconstruction_log_px_nats").toDouble()) + " nats");
  row(QStringLiteral("KL per layer"), perLayer(test.value("kl_per_layer_nats").toArray(), info, 2));
  const QJsonObject active = test.value("active_units").toObject();
  row(QStringLiteral("active units"), perLayer(active.value("per_layer").toArray(), info, -1,
                                               active.value("units_per_layer").toArray()));
  const QJsonObject probe =
      card.value("structure").toObject().value("linear_probe_class_accuracy").toObject();
  if (!probe.isEmpty())
    row(QStringLiteral("class probe acc."), perLayer(probe.value("per_layer").toArray(), info, 3));
  if (card.contains("training_wall_time_seconds")) {
    const QJsonObject machine = card.value("machine").toObject();
    row(QStringLiteral("training"),
        QStringLiteral("%1 min on %2, %3 thread(s), torch %4")
            .arg(number(card.value("training_wall_time_seconds").toDouble() / 60.0, 1),
                 escape(machine.value("cpu").toString()))
            .arg(machine.value("torch_threads").toInt())
            .arg(escape(machine.value("torch_version").toString())));
  }
  row(QStringLiteral("reproduce"),
      QStringLiteral("<code>%1</code>").arg(escape(card.value("reproduce").toString())));
  return QStringLiteral("<table cellspacing='0' cellpadding='1'>") + rows +
         QStringLiteral("</table>");
}

}  // namespace

namespace {

QJsonObject readCard(const QString& modelPath) {
  const QString path = modelCardPath(modelPath);
  QFile file(path);
  if (path.isEmpty() || !file.open(QIODevice::ReadOnly)) return {};
  return QJsonDocument::fromJson(file.readAll()).object();
}

}  // namespace

void ModelPanel::attach(Workspace* workspace) {
  connect(workspace, &Workspace::modelChanged, this, [this, workspace] {
    if (const ModelPtr model = workspace->model())
      showModel(model->info(), readCard(model->info().path));
  });
}

ModelPanel::ModelPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  text_ = new QTextBrowser(this);
  text_->setOpenLinks(false);
  layout->addWidget(text_);
  showMessage(tr("No model loaded. Use File > Open Model or drop a .pt file on the window."));
}

void ModelPanel::showMessage(const QString& message) {
  text_->setHtml(QStringLiteral("<p style='color:#666'>%1</p>").arg(escape(message)));
}

void ModelPanel::showModel(const ModelInfo& info, const QJsonObject& card) {
  QString html = QStringLiteral("<h3 style='margin-bottom:2px'>%1</h3>").arg(escape(info.name));
  html += QStringLiteral("<div style='color:#555'>%1</div>")
              .arg(escape(QFileInfo(info.path).fileName()));
  html += QStringLiteral(
              "<p>Contract %1 &middot; input %2&times;%3&times;%4 in [%5, %6] &middot; %7 "
              "likelihood</p>")
              .arg(info.contract)
              .arg(info.input.channels)
              .arg(info.input.height)
              .arg(info.input.width)
              .arg(info.rangeLow)
              .arg(info.rangeHigh)
              .arg(escape(info.likelihood));
  if (!info.mappingText().isEmpty())
    html += QStringLiteral("<p>%1</p>").arg(escape(info.mappingText()));
  if (!info.hasEncoder)
    html += QStringLiteral("<p style='color:#b35900'><b>Encoder features off:</b> %1</p>")
                .arg(escape(info.encoderUnavailableReason));
  html += QStringLiteral(
      "<b>Latent layers</b> (top first)<table cellspacing='0' cellpadding='2'>"
      "<tr><th align='left'>#</th><th align='left'>name</th><th align='left'>shape</th>"
      "<th align='right'>units</th></tr>");
  for (size_t l = 0; l < info.layers.size(); ++l)
    html += QStringLiteral("<tr><td>%1</td><td>%2</td><td>%3</td><td align='right'>%4</td></tr>")
                .arg(l)
                .arg(escape(info.layers[l].group.isEmpty()
                                ? info.layers[l].shownName()
                                : info.layers[l].shownName() + QStringLiteral(" \u00b7 ") +
                                      info.layers[l].group),
                     info.layers[l].shapeText())
                .arg(info.layers[l].size());
  html += QStringLiteral("</table>");
  if (!info.factors.isEmpty())
    html += QStringLiteral("<p><b>Ground-truth factors:</b> %1</p>")
                .arg(escape(info.factors.join(", ")));
  if (!info.training.isEmpty() && card.isEmpty())
    html += QStringLiteral("<p><b>Training</b></p>") + objectHtml(info.training);
  if (!card.isEmpty()) {
    html += QStringLiteral("<p><b>Model card</b></p>") + cardSummary(card, info);
    const QJsonObject hyper = card.value("hyperparameters").toObject();
    if (!hyper.isEmpty())
      html += QStringLiteral("<p><b>Hyper-parameters</b></p>") + objectHtml(hyper);
  } else
    html += QStringLiteral("<p style='color:#666'>No model card beside the file.</p>");
  text_->setHtml(html);
}

QString ModelPanel::plainText() const {
  return text_->toPlainText();
}

}  // namespace strata
