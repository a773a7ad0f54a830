#!/bin/sh
# Regenerates tests/data/wxr/real-wp61.xml and tests/data/wxr/real-wp61-uploads/ with a
# real WordPress: Debian's package (apt-get install wordpress php-cli php-mysql php-gd),
# MariaDB on 127.0.0.1:3306 (root, no password). make_export.php builds the blog with
# WordPress's own API and exports it with WordPress's own export_wp(). Nothing of
# WordPress is kept in the repository; CI uses the committed output.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
db=${WP_EXPORT_DB:-blogcms_wp_export}
work=$(mktemp -d)
sql() { mysql -h127.0.0.1 -P3306 -uroot -e "$1"; }
trap 'rm -rf "$work"; sql "DROP DATABASE IF EXISTS $db"' EXIT

sql "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db CHARACTER SET utf8mb4"
mkdir -p "$work/wp-content/uploads/2024/03"
# The photo: 400×300, a cup on a table, a few KB.
"$repo/.venv/bin/python" - "$work/wp-content/uploads/2024/03/espresso.jpg" <<'PY'
import sys
from PIL import Image, ImageDraw
img = Image.new("RGB", (400, 300), (150, 100, 60))
draw = ImageDraw.Draw(img)
draw.rectangle((0, 200, 400, 300), fill=(110, 70, 40))
draw.ellipse((130, 120, 270, 230), fill=(240, 240, 235))
draw.ellipse((150, 130, 250, 170), fill=(60, 35, 20))
img.save(sys.argv[1], "JPEG", quality=60)
PY
export WP_EXPORT_WORK="$work" WP_EXPORT_DB="$db"
php=php
$php "$here/make_export.php" install
$php "$here/make_export.php" content >"$work/export.xml"

out="$repo/tests/data/wxr"
cp "$work/export.xml" "$out/real-wp61.xml"
rm -rf "$out/real-wp61-uploads"
mkdir -p "$out/real-wp61-uploads"
cp -R "$work/wp-content/uploads/2024" "$out/real-wp61-uploads/"
ls -lR "$out/real-wp61-uploads"
