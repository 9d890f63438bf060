/** What the training controls show and allow, derived from the kernel's `status`. No DOM. */
import { formatNumber } from '../format';
import type { TrainingStatus } from '../protocol';

export interface ControlState {
  start: boolean;
  pause: boolean;
  resume: boolean;
  stop: boolean;
  running: boolean;
}

export function controls(status: TrainingStatus): ControlState {
  const { state } = status;
  return {
    start: state === 'idle' || state === 'finished' || state === 'stopped' || state === 'error',
    pause: state === 'running',
    resume: state === 'paused',
    stop: state === 'running' || state === 'paused',
    running: state === 'running' || state === 'paused' || state === 'stopping'
  };
}

/**
 * How far the current run is, 0..1: steps since it started over epochs x steps per epoch
 * (`status.step` counts every run, so `runStart` is the step the run began at).
 */
export function runFraction(status: TrainingStatus, runStart: number): number | null {
  if (status.steps_per_epoch === null || status.epochs <= 0) {
    return status.epochs > 0 ? Math.min(1, status.epoch / status.epochs) : null;
  }
  const total = status.epochs * status.steps_per_epoch;
  return Math.min(1, Math.max(0, (status.step - runStart) / total));
}

export function describeStatus(status: TrainingStatus): string {
  const parts: string[] = [status.state];
  if (status.epochs > 0) {
    parts.push(`epoch ${status.epoch}/${status.epochs}`);
  }
  parts.push(`step ${status.step}`);
  // a rate of 0 is one not measured yet (no step between two updates), not a stalled run
  if (status.steps_per_second !== null && status.steps_per_second > 0 && status.state === 'running') {
    parts.push(`${formatNumber(status.steps_per_second)} steps/s`);
  }
  parts.push(`on ${status.backend}`);
  return parts.join(' · ');
}
