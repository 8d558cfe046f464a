#pragma once
// How the Traverse, Hierarchy and Compare tabs follow the workspace: each view connects itself
// to the workspace signals it needs, so the main window pushes nothing into them.

namespace strata {

class CompareView;
class HierarchyView;
class TraverseView;
class Workspace;

void subscribe(TraverseView* view, Workspace* workspace);
void subscribe(HierarchyView* view, Workspace* workspace);
void subscribe(CompareView* view, Workspace* workspace);

}  // namespace strata
