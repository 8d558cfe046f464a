#pragma once
// Checks on paths named by the user or a recipe, made before any work starts.

#include <QString>

namespace strata {

// Outputs go only into folders that exist: throws Error("output folder F does not exist") if
// the folder of `output` is missing (or is not a folder). Nothing creates folders on the way.
void requireOutputFolder(const QString& output);

// Inputs that exist must be regular files or folders: devices, FIFOs and sockets never end or
// block, so reading one is refused with DataError(path, "is not a regular file or folder ...").
// A missing path passes, for the reader to report.
void requireFileOrFolder(const QString& path);

}  // namespace strata
