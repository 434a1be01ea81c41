# files-state.sh: what each of the files PATH... is now, for a role's files to be
# compared with what was rendered (by content hash, owner, group and mode; the
# content itself is never printed: a template may hold secrets).
# Arguments: PATH... (absolute paths)
# Output: one line per path, in order:
#   "<sha256> <owner> <group> <octal mode> <path>" for a file;
#   "missing dir - - <path>" when there is no such file but its folder exists;
#   "missing nodir - - <path>" when its folder does not exist either.
# Exit codes: 0 every path read; 1 a file could not be read (sha256sum's message on stderr).
for path; do
  if [ -f "$path" ]; then
    sum=$(sha256sum < "$path") || exit 1
    printf '%s %s %s\n' "${sum%% *}" "$(stat -c '%U %G %a' "$path")" "$path"
  elif [ -d "${path%/*}" ]; then
    printf 'missing dir - - %s\n' "$path"
  else
    printf 'missing nodir - - %s\n' "$path"
  fi
done
