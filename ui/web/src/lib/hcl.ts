// Policy errors carry the position of the offending text: the server says
// "failed to parse policy: 3:1: Missing item separator ..." or, for a named
// file, "policy.hcl:3:1: ...". errorPosition finds the first line:column.

export interface Position {
  line: number;
  column: number;
  message: string;
}

export function errorPosition(msg: string): Position | null {
  const m = /(?:^|[\s:])(\d+):(\d+):\s*(.*)$/s.exec(msg);
  if (!m) return null;
  const line = Number(m[1]);
  const column = Number(m[2]);
  if (line < 1 || column < 1) return null;
  return { line, column, message: m[3].trim() };
}
