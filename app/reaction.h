#pragma once
// A menu or toolbar action's behaviour, attached to its QAction (the pattern of ParaView's
// pqReaction): the action says what the user sees, the reaction what happens on a click and
// when the action is enabled. Reactions re-check their enable state whenever the workspace
// changes, so an action that cannot do anything is disabled instead of explaining after the
// click. The work itself lives in functions that scripts and tests can call without a reaction.

#include <QObject>

class QAction;

namespace strata {

class Workspace;

class Reaction : public QObject {
  Q_OBJECT

 public:
  // The reaction is a child of `action` and lives as long as it.
  explicit Reaction(QAction* action);
  QAction* action() const { return action_; }

 protected:
  virtual void onTriggered() = 0;
  virtual void updateEnableState() {}
  // Calls updateEnableState() after every change of `workspace`, and once now.
  void followWorkspace(Workspace* workspace);

 private Q_SLOTS:
  void updateEnableStateSlot() { updateEnableState(); }

 private:
  QAction* action_;
};

}  // namespace strata
