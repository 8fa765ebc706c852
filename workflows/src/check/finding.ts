export interface Finding {
  file: string;
  /** Which check: `parser`, `actionlint:<kind>`, or one of our contract rules. */
  rule: string;
  where: string;
  message: string;
}
