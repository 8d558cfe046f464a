#include "app/gui_arguments.h"

namespace strata {

GuiArguments::GuiArguments(int argc, char** argv) {
  bool optionsEnded = false;  // after "--" every word is a positional argument
  for (int i = 0; i < argc; ++i) {
    const std::string word = argv[i];
    if (i > 0 && !optionsEnded && word == "--session" && i + 1 < argc) {
      words_.push_back("--session=" + std::string(argv[++i]));
      continue;
    }
    if (word == "--") optionsEnded = true;
    words_.push_back(word);
  }
  for (std::string& word : words_) pointers_.push_back(word.data());
  pointers_.push_back(nullptr);
  argc_ = int(words_.size());
}

}  // namespace strata
