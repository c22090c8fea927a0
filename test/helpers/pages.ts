/** Synthetic heavy pages for the heavy-page test and bench. */

/** One family `m` of many series (`m{a="<i % 10>",b="<i>"} <i>` lines), about `bytes` long. */
export function oneFamilyPage(bytes: number): Buffer {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = `m{a="${i % 10}",b="${i}"} ${i}\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join(''));
}
