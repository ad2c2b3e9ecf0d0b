/**
 * The description of a task event in `alloc status`'s Recent Events table. The client fills in
 * DisplayMessage; when it did not, the text is built from the event's type and details here.
 */
import type { TaskEvent } from '../../structs/allocation.ts';
import { formatDurationNs } from './time.ts';

// The restart reason the client gives when a restart is within the policy: not worth repeating.
const RESTART_WITHIN_POLICY = 'Restart within policy';

type EventFields = Partial<TaskEvent> & Pick<TaskEvent, 'Type'>;

export function taskEventMessage(event: EventFields): string {
  if (event.DisplayMessage !== undefined && event.DisplayMessage !== '') return event.DisplayMessage;
  return buildDisplayMessage(event);
}

function orDefault(value: string | undefined, fallback: string): string {
  return value !== undefined && value !== '' ? value : fallback;
}

export function buildDisplayMessage(e: EventFields): string {
  switch (e.Type) {
    case 'Task Setup':
      return e.Message ?? '';
    case 'Started':
      return 'Task started by client';
    case 'Received':
      return 'Task received by client';
    case 'Failed Validation':
      return orDefault(e.ValidationError, 'Validation of task failed');
    case 'Setup Failure':
      return orDefault(e.SetupError, 'Task setup failed');
    case 'Driver Failure':
      return orDefault(e.DriverError, 'Failed to start task');
    case 'Downloading Artifacts':
      return 'Client is downloading artifacts';
    case 'Failed Artifact Download':
      return orDefault(e.DownloadError, 'Failed to download artifacts');
    case 'Killing':
      return killingMessage(e);
    case 'Killed':
      return orDefault(e.KillError, 'Task successfully killed');
    case 'Terminated':
      return terminatedMessage(e);
    case 'Restarting': {
      const within = `Task restarting in ${formatDurationNs(e.StartDelay ?? 0)}`;
      const reason = e.RestartReason ?? '';
      return reason !== '' && reason !== RESTART_WITHIN_POLICY ? `${reason} - ${within}` : within;
    }
    case 'Not Restarting':
      return orDefault(e.RestartReason, 'Task exceeded restart policy');
    case 'Sibling Task Failed':
      return e.FailedSibling ? `Task's sibling "${e.FailedSibling}" failed` : "Task's sibling failed";
    case 'Signaling':
      return signalingMessage(e.TaskSignal ?? '', e.TaskSignalReason ?? '');
    case 'Restart Signaled':
      return orDefault(e.RestartReason, 'Task signaled to restart');
    case 'Driver':
      return e.DriverMessage ?? '';
    case 'Leader Task Dead':
      return 'Leader Task in Group dead';
    case 'Reconnected':
      return 'Client reconnected';
    default:
      return e.Message ?? '';
  }
}

function killingMessage(e: EventFields): string {
  if (e.KillReason) return `Killing task: ${e.KillReason}`;
  if (e.KillTimeout) return `Sent interrupt. Waiting ${formatDurationNs(e.KillTimeout)} before force killing`;
  return 'Sent interrupt';
}

function terminatedMessage(e: EventFields): string {
  const parts = [`Exit Code: ${e.ExitCode ?? 0}`];
  if (e.Signal) parts.push(`Signal: ${e.Signal}`);
  if (e.Message) parts.push(`Exit Message: ${JSON.stringify(e.Message)}`);
  return parts.join(', ');
}

function signalingMessage(sig: string, reason: string): string {
  if (sig === '' && reason === '') return 'Task being sent a signal';
  if (sig === '') return reason;
  if (reason === '') return `Task being sent signal ${sig}`;
  return `Task being sent signal ${sig}: ${reason}`;
}
