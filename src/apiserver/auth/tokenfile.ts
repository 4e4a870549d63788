// --token-auth-file: static bearer tokens in upstream's CSV format,
// `token,user,uid,"group1,group2"` — at least three columns, groups optional.
import { readFileSync } from 'node:fs';

export interface StaticTokenUser {
  name: string;
  uid: string;
  groups: string[];
}

/** Splits one CSV record (RFC 4180 quoting, "" escapes a quote), trimming leading spaces as upstream does. */
function splitCsvLine(line: string, where: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    let value = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new Error(`${where}: extraneous or missing " in quoted-field`);
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += line[i++];
      }
      if (i < line.length && line[i] !== ',') throw new Error(`${where}: extraneous or missing " in quoted-field`);
    } else {
      const end = line.indexOf(',', i);
      value = line.slice(i, end === -1 ? line.length : end);
      if (value.includes('"')) throw new Error(`${where}: bare " in non-quoted-field`);
      i = end === -1 ? line.length : end;
    }
    fields.push(value);
    if (i >= line.length) return fields;
    i++; // the comma
  }
}

/** Parses the file's text; errors name the file and the line. Later duplicates win, as upstream. */
export function parseTokenFile(text: string, path = 'token file'): Map<string, StaticTokenUser> {
  const tokens = new Map<string, StaticTokenUser>();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    if (raw.trim() === '') return;
    const where = `token file '${path}' line ${index + 1}`;
    const record = splitCsvLine(raw, where);
    if (record.length < 3) throw new Error(`${where}: must have at least 3 columns (token, user name, user uid), found ${record.length}`);
    const [token, name, uid, groups] = record;
    if (token === '') return; // upstream skips (and warns about) rows with an empty token
    tokens.set(token, { name, uid, groups: groups ? groups.split(',').filter((g) => g !== '') : [] });
  });
  return tokens;
}

export function loadTokenFile(path: string): Map<string, StaticTokenUser> {
  return parseTokenFile(readFileSync(path, 'utf8'), path);
}
