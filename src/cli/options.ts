import { InvalidArgumentError, type Command } from 'commander';
import { POLICIES, type PolicyName } from '../autoscaler/config.js';

export function number(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
      throw new InvalidArgumentError(`${flag} takes a number of 0 or more, got "${value}"`);
    }
    return n;
  };
}

export function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < 1)
      throw new InvalidArgumentError(`${flag} takes a whole number of at least 1, got "${value}"`);
    return n;
  };
}

function fraction(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!(n > 0 && n <= 1))
      throw new InvalidArgumentError(`${flag} takes a number in (0, 1], got "${value}"`);
    return n;
  };
}

function period(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 60 || n % 60 !== 0) {
      throw new InvalidArgumentError(`${flag} takes seconds, a multiple of 60, got "${value}"`);
    }
    return n;
  };
}

function policy(value: string): PolicyName {
  if (!(POLICIES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`--policy takes one of ${POLICIES.join(', ')}, got "${value}"`);
  }
  return value as PolicyName;
}

export interface SubscribeFlags {
  minShards?: number;
  maxShards?: number;
  targetUtilization?: number;
  policy?: PolicyName;
  scaleUpThreshold?: number;
  scaleDownThreshold?: number;
  period?: number;
  scaleDownPeriod?: number;
}

export function subscribeOptions(cmd: Command): Command {
  return cmd
    .option(
      '--min-shards <n>',
      'never scale below (tag kinesis-autoscaler:min-shards)',
      positiveInt('--min-shards'),
    )
    .option(
      '--max-shards <n>',
      'never scale above (tag kinesis-autoscaler:max-shards)',
      positiveInt('--max-shards'),
    )
    .option(
      '--target-utilization <x>',
      'usage to size for after scaling, (0, 1]',
      fraction('--target-utilization'),
    )
    .option('--policy <name>', `scaling policy: ${POLICIES.join(', ')}`, policy)
    .option(
      '--scale-up-threshold <x>',
      'scale-up alarm threshold (default 0.75)',
      fraction('--scale-up-threshold'),
    )
    .option(
      '--scale-down-threshold <x>',
      'scale-down alarm threshold (default 0.25)',
      fraction('--scale-down-threshold'),
    )
    .option('--period <seconds>', 'scale-up alarm period (default 60)', period('--period'))
    .option(
      '--scale-down-period <seconds>',
      'scale-down alarm period (default 300)',
      period('--scale-down-period'),
    );
}
