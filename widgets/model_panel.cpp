#include "widgets/model_panel.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QTextBrowser>
#include <QVBoxLayout>

#include <cmath>

namespace strata {
namespace {

QString escape(const QString& s) { return s.toHtmlEscaped(); }

QString valueHtml(const QJsonValue& v);

QString objectHtml(const QJsonObject& o) {
  QString html = QStringLiteral("<table cellspacing='0' cellpadding='1'>");
  for (auto it = o.begin(); it != o.end(); ++it)
    html += QStringLiteral("<tr><td valign='top' style='color:#555;padding-right:8px'>%1</td><td>%2</td></tr>")
                .arg(escape(it.key()), valueHtml(it.value()));
  return html + QStringLiteral("</table>");
}

QString valueHtml(const QJsonValue& v) {
  if (v.isObject()) return objectHtml(v.toObject());
  if (v.isArray()) {
    const QJsonArray a = v.toArray();
    bool simple = true;
    for (const QJsonValue& x : a) simple &= !x.isObject() && !x.isArray();
    QStringList parts;
    for (const QJsonValue& x : a) parts << (simple ? escape(x.toVariant().toString()) : valueHtml(x));
    return simple ? "[" + parts.join(", ") + "]" : parts.join("<br>");
  }
  if (v.isDouble()) {
    const double d = v.toDouble();
    return d == std::floor(d) && std::abs(d) < 1e15 ? QString::number(qint64(d)) : QString::number(d, 'g', 6);
  }
  return escape(v.toVariant().toString());
}

}  // namespace

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
  html += QStringLiteral("<div style='color:#555'>%1</div>").arg(escape(QFileInfo(info.path).fileName()));
  html += QStringLiteral("<p>Contract %1 &middot; input %2&times;%3&times;%4 in [%5, %6] &middot; %7 likelihood</p>")
              .arg(info.contract).arg(info.input.channels).arg(info.input.height).arg(info.input.width)
              .arg(info.rangeLow).arg(info.rangeHigh).arg(escape(info.likelihood));
  if (!info.hasEncoder)
    html += QStringLiteral("<p style='color:#b35900'><b>Encoder features off:</b> %1</p>")
                .arg(escape(info.encoderUnavailableReason));
  html += QStringLiteral("<b>Latent layers</b> (top first)<table cellspacing='0' cellpadding='2'>"
                         "<tr><th align='left'>#</th><th align='left'>name</th><th align='left'>shape</th>"
                         "<th align='right'>units</th></tr>");
  for (size_t l = 0; l < info.layers.size(); ++l)
    html += QStringLiteral("<tr><td>%1</td><td>%2</td><td>%3</td><td align='right'>%4</td></tr>")
                .arg(l).arg(escape(info.layers[l].name), info.layers[l].shapeText())
                .arg(info.layers[l].size());
  html += QStringLiteral("</table>");
  if (!info.factors.isEmpty())
    html += QStringLiteral("<p><b>Ground-truth factors:</b> %1</p>").arg(escape(info.factors.join(", ")));
  if (!info.training.isEmpty()) html += QStringLiteral("<p><b>Training</b></p>") + objectHtml(info.training);
  if (!card.isEmpty()) html += QStringLiteral("<p><b>Model card</b></p>") + objectHtml(card);
  else html += QStringLiteral("<p style='color:#666'>No model card beside the file.</p>");
  text_->setHtml(html);
}

QString ModelPanel::plainText() const { return text_->toPlainText(); }

}  // namespace strata
