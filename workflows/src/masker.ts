import { maskSecret, redact } from '../../actions/lib/action/secrets';

/**
 * Everything the engine prints goes through one Masker: secrets from the env file, the
 * token, and every `::add-mask::` value a step registers, like the runner's log masking.
 */
export class Masker {
  private readonly secrets = new Set<string>();

  add(value: string | undefined): void {
    maskSecret({ setSecret: (v: string) => this.secrets.add(v) }, value);
  }

  mask(text: string): string {
    return redact(text, this.secrets);
  }

  get size(): number {
    return this.secrets.size;
  }
}
