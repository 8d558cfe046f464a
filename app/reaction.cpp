#include "app/reaction.h"

#include <QAction>
#include <QMetaMethod>

#include "core/workspace/workspace.h"

namespace strata {

Reaction::Reaction(QAction* action) : QObject(action), action_(action) {
  connect(action, &QAction::triggered, this, [this] { onTriggered(); });
}

void Reaction::followWorkspace(Workspace* workspace) {
  // Every signal of the workspace, so a new kind of state needs no change here.
  const QMetaMethod update =
      metaObject()->method(metaObject()->indexOfMethod("updateEnableStateSlot()"));
  const QMetaObject* meta = workspace->metaObject();
  for (int i = meta->methodOffset(); i < meta->methodCount(); ++i)
    if (meta->method(i).methodType() == QMetaMethod::Signal)
      connect(workspace, meta->method(i), this, update);
  updateEnableState();
}

}  // namespace strata
