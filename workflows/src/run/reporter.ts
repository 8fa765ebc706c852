import type { Masker } from '../masker';

/** Every line the engine prints passes through here, masked. */
export class Reporter {
  constructor(
    private readonly masker: Masker,
    private readonly write: (text: string) => void,
  ) {}

  line(text: string): void {
    this.write(`${this.masker.mask(text)}\n`);
  }
}
