#pragma once

namespace strata {

// Sets the OpenGL format VTK needs (3.2 core, no multisampling). Call before QApplication.
void setDefaultSurfaceFormat();

}  // namespace strata
