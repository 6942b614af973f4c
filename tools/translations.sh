#!/usr/bin/env bash
# Refresh the message catalogs (GNU gettext tools: apt install gettext).
#   tools/translations.sh          extract strings, merge them into each .po, compile .mo
# Then translate the new or fuzzy entries in traynotify/locale/*/LC_MESSAGES/traynotify.po
# and run it again; tests/test_i18n.py fails while a string is untranslated.
set -euo pipefail
cd "$(dirname "$0")/.."
locale=traynotify/locale
find traynotify -name '*.py' -not -path '*/devserver/console.py' | sort |
  xgettext --files-from=- --language=Python --from-code=UTF-8 \
    --keyword=_ --keyword=ngettext:1,2 --add-comments=Translators \
    --package-name=traynotify --msgid-bugs-address=- --no-location --sort-output \
    --output="$locale/traynotify.pot"
sed -i '/^"POT-Creation-Date:/d' "$locale/traynotify.pot"
for po in "$locale"/*/LC_MESSAGES/traynotify.po; do
  msgmerge --quiet --update --backup=none --no-location --sort-output "$po" "$locale/traynotify.pot"
  msgfmt --check --output-file="${po%.po}.mo" "$po"
done
