#pragma once
// The model panel: name, file, contract facts, layers with shapes, and the model card.

#include <QJsonObject>
#include <QWidget>

#include "core/model/model.h"

class QTextBrowser;

namespace strata {

class Workspace;

class ModelPanel : public QWidget {
  Q_OBJECT

 public:
  explicit ModelPanel(QWidget* parent = nullptr);
  // Shows the workspace's model and its card (model_card.json beside the file) as it changes.
  void attach(Workspace* workspace);
  void showModel(const ModelInfo& info, const QJsonObject& card);
  void showMessage(const QString& message);
  QString plainText() const;

 private:
  QTextBrowser* text_ = nullptr;
};

}  // namespace strata
