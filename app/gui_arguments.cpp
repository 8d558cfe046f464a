#include "app/gui_arguments.h"

#include "app/view_names.h"

namespace strata {

GuiOptions::GuiOptions()
    : model(QStringList{QStringLiteral("m"), QStringLiteral("model")},
            QStringLiteral("Open this model file."), QStringLiteral("MODEL.pt")),
      view(QStringList{QStringLiteral("view")},
           QStringLiteral("Start on this view: %1.").arg(namesText(kViewNames)),
           QStringLiteral("VIEW")),
      compare(QStringList{QStringLiteral("compare")},
              QStringLiteral("Also add this model to the compare view (repeatable, up to four)."),
              QStringLiteral("MODEL.pt")),
      session(QStringList{QStringLiteral("session")}, QStringLiteral("Open this saved session."),
              QStringLiteral("FILE.json")),
      noRestore(QStringList{QStringLiteral("no-restore")},
                QStringLiteral("Do not offer to restore the session of a run that did not end "
                               "normally.")) {}

void GuiOptions::addTo(QCommandLineParser& parser) const {
  parser.addOptions({model, view, compare, session, noRestore});
  parser.addPositionalArgument(
      QStringLiteral("dataset"),
      QStringLiteral("fashion-mnist:test, fashion-mnist:train, dsprites, "
                     "an IDX/.npy/.npz images file, an image folder, or embedding:FILE.npz."),
      QStringLiteral("[dataset]"));
}

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
