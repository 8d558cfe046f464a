#pragma once
// Headless subcommands: `strata validate MODEL.pt ...`. They need no display.

namespace strata {

// True if argv names a subcommand (or --help/--version) that runs without a window.
bool isHeadlessInvocation(int argc, char** argv);
// Runs it and returns the process exit code.
int runHeadless(int argc, char** argv);

}  // namespace strata
