# Shared compile settings for Strata's own targets.
function(strata_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-unused-parameter)
  # Qt's `slots`/`signals` keywords clash with LibTorch headers; Strata uses Q_SLOTS/Q_SIGNALS.
  target_compile_definitions(${target} PRIVATE QT_NO_KEYWORDS)
endfunction()
