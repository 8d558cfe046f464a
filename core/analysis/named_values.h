#pragma once
// Names of enum values as they are saved (recipes, sessions) and typed (command-line options).
// Each enum has one table, read by the writers, the parsers and the help texts alike, so a
// name means the same value everywhere, and a value is never saved as its ordinal (which would
// change meaning when the enum is reordered). Header-only, Qt Core only: the fuzzed parsers use
// it without linking anything.

#include <QString>
#include <QStringList>

#include <cstddef>
#include <optional>

namespace strata {

template <class E>
struct NamedValue {
  E value;
  const char* name;             // as saved and typed: "tsne"
  const char* help;             // for help texts and menus: "t-SNE"
  const char* alias = nullptr;  // another spelling read leniently ("t-sne"), never written
};

// Exact: the name as written. Lenient (hand-edited session files): any letter case, and the
// table's aliases.
enum class NameMatch { Exact, Lenient };

// The saved name of `value`; empty if the table lacks it (a programming error the tests catch).
template <class E, std::size_t N>
QString toName(const NamedValue<E> (&table)[N], E value) {
  for (const NamedValue<E>& entry : table)
    if (entry.value == value) return QString::fromLatin1(entry.name);
  return {};
}

// The help text of `value` ("t-SNE").
template <class E, std::size_t N>
QString toHelp(const NamedValue<E> (&table)[N], E value) {
  for (const NamedValue<E>& entry : table)
    if (entry.value == value) return QString::fromUtf8(entry.help);
  return {};
}

template <class E, std::size_t N>
std::optional<E> fromName(const NamedValue<E> (&table)[N], const QString& name,
                          NameMatch match = NameMatch::Exact) {
  const Qt::CaseSensitivity cs =
      match == NameMatch::Lenient ? Qt::CaseInsensitive : Qt::CaseSensitive;
  for (const NamedValue<E>& entry : table) {
    if (name.compare(QLatin1String(entry.name), cs) == 0) return entry.value;
    if (match == NameMatch::Lenient && entry.alias &&
        name.compare(QLatin1String(entry.alias), cs) == 0)
      return entry.value;
  }
  return std::nullopt;
}

// Every name, in table order.
template <class E, std::size_t N>
QStringList namesList(const NamedValue<E> (&table)[N]) {
  QStringList names;
  for (const NamedValue<E>& entry : table) names << QString::fromLatin1(entry.name);
  return names;
}

// "a, b or c", as help texts and messages list choices.
inline QString joinedAlternatives(const QStringList& words) {
  if (words.size() < 2) return words.value(0);
  return words.mid(0, words.size() - 1).join(QStringLiteral(", ")) + QStringLiteral(" or ") +
         words.back();
}

template <class E, std::size_t N>
QString namesText(const NamedValue<E> (&table)[N]) {
  return joinedAlternatives(namesList(table));
}

}  // namespace strata
