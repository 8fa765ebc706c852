import type { Inputs } from '../action/inputs';
import type { SlackTarget } from './slack';

const CHANNEL = {
  pattern: /^[#@]?[A-Za-z0-9._-]{1,80}$/,
  expected: 'a channel name or ID such as `#ops` or `C0123456789`',
};

/**
 * The `slack-token` (masked) and `slack-channel` inputs: both or neither. With `required`, a
 * missing token is a problem too; without it, no token means no Slack.
 */
export function readSlackTarget(
  inputs: Inputs,
  options: { required?: boolean } = {},
): SlackTarget | undefined {
  const token = inputs.secret('slack-token', options);
  const channel = inputs.optional('slack-channel', CHANNEL);
  if (token && !channel) inputs.problem('slack-channel', 'is required when `slack-token` is set');
  return token && channel ? { token, channel } : undefined;
}
