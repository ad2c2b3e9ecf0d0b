/**
 * Task events with Nomad's types and display texts (nomad/structs TaskEvent and its
 * PopulateEventDisplayMessage), so `alloc status` shows what Nomad's would.
 */
import type { TaskEvent } from '../../structs/allocation.ts';
import { formatDuration } from '../../lib/duration.ts';
import { msToNs } from '../../lib/clock.ts';

export const TaskEventType = {
  SetupFailure: 'Setup Failure',
  DriverFailure: 'Driver Failure',
  Received: 'Received',
  FailedValidation: 'Failed Validation',
  Started: 'Started',
  Terminated: 'Terminated',
  Killing: 'Killing',
  Killed: 'Killed',
  Restarting: 'Restarting',
  NotRestarting: 'Not Restarting',
  RestartSignal: 'Restart Signaled',
  Signaling: 'Signaling',
  DownloadingArtifacts: 'Downloading Artifacts',
  ArtifactDownloadFailed: 'Failed Artifact Download',
  TaskSetup: 'Task Setup',
  SiblingFailed: 'Sibling Task Failed',
  DriverMessage: 'Driver',
  LeaderDead: 'Leader Task Dead',
  MainDead: 'Main Tasks Dead',
  HookFailed: 'Task hook failed',
  HookMessage: 'Task hook message',
  RestoreFailed: 'Failed Restoring Task',
  ClientReconnected: 'Reconnected',
  WaitingShutdownDelay: 'Waiting for shutdown delay',
  SkippingShutdownDelay: 'Skipping shutdown delay',
} as const;
export type TaskEventTypeName = (typeof TaskEventType)[keyof typeof TaskEventType];

/** Task events kept per task, as Nomad's MaxTaskEventsPerTask... Nomad keeps the last 10. */
export const TASK_EVENTS_MAX = 10;

export const ReasonWithinPolicy = 'Restart within policy';

/** Fields an event may carry besides its type. */
export type TaskEventFields = Partial<Omit<TaskEvent, 'Type' | 'Time' | 'DisplayMessage' | 'Details'>>;

export function newTaskEvent(
  type: TaskEventTypeName,
  nowMs: number,
  fields: TaskEventFields = {},
): TaskEvent {
  const e: TaskEvent = {
    Type: type,
    Time: msToNs(nowMs),
    Message: '',
    DisplayMessage: '',
    Details: {},
    FailsTask: false,
    RestartReason: '',
    SetupError: '',
    DriverError: '',
    ExitCode: 0,
    Signal: 0,
    KillTimeout: 0,
    KillError: '',
    KillReason: '',
    StartDelay: 0,
    DownloadError: '',
    ValidationError: '',
    DiskLimit: 0,
    FailedSibling: '',
    VaultError: '',
    TaskSignalReason: '',
    TaskSignal: '',
    DriverMessage: '',
    GenericSource: '',
    ...fields,
  };
  e.Details = details(e);
  e.DisplayMessage = displayMessage(e);
  return e;
}

function details(e: TaskEvent): Record<string, string> {
  const d: Record<string, string> = {};
  const put = (k: string, v: string | number | boolean, skip: unknown): void => {
    if (v !== skip) d[k] = String(v);
  };
  put('message', e.Message, '');
  put('fails_task', e.FailsTask, false);
  put('restart_reason', e.RestartReason, '');
  put('setup_error', e.SetupError, '');
  put('driver_error', e.DriverError, '');
  if (e.Type === TaskEventType.Terminated) {
    d['exit_code'] = String(e.ExitCode);
    d['signal'] = String(e.Signal);
  }
  put('kill_timeout', e.KillTimeout === 0 ? 0 : formatDuration(e.KillTimeout), 0);
  put('kill_error', e.KillError, '');
  put('kill_reason', e.KillReason, '');
  put('start_delay', e.StartDelay, 0);
  put('download_error', e.DownloadError, '');
  put('validation_error', e.ValidationError, '');
  put('failed_sibling', e.FailedSibling, '');
  put('task_signal_reason', e.TaskSignalReason, '');
  put('task_signal', e.TaskSignal, '');
  put('driver_message', e.DriverMessage, '');
  return d;
}

function or(v: string, fallback: string): string {
  return v !== '' ? v : fallback;
}

export function displayMessage(e: TaskEvent): string {
  switch (e.Type) {
    case TaskEventType.Started:
      return 'Task started by client';
    case TaskEventType.Received:
      return 'Task received by client';
    case TaskEventType.FailedValidation:
      return or(e.ValidationError, 'Validation of task failed');
    case TaskEventType.SetupFailure:
      return or(e.SetupError, 'Task setup failed');
    case TaskEventType.DriverFailure:
      return or(e.DriverError, 'Failed to start task');
    case TaskEventType.DownloadingArtifacts:
      return 'Client is downloading artifacts';
    case TaskEventType.ArtifactDownloadFailed:
      return or(e.DownloadError, 'Failed to download artifacts');
    case TaskEventType.Killing:
      if (e.KillReason !== '') return e.KillReason;
      return e.KillTimeout !== 0
        ? `Sent interrupt. Waiting ${formatDuration(e.KillTimeout)} before force killing`
        : 'Sent interrupt';
    case TaskEventType.Killed:
      return or(e.KillError, 'Task successfully killed');
    case TaskEventType.Terminated: {
      const parts = [`Exit Code: ${e.ExitCode}`];
      if (e.Signal !== 0) parts.push(`Signal: ${e.Signal}`);
      if (e.Message !== '') parts.push(`Exit Message: ${JSON.stringify(e.Message)}`);
      return parts.join(', ');
    }
    case TaskEventType.Restarting: {
      const inText = `Task restarting in ${formatDuration(e.StartDelay)}`;
      return e.RestartReason !== '' && e.RestartReason !== ReasonWithinPolicy
        ? `${e.RestartReason} - ${inText}`
        : inText;
    }
    case TaskEventType.NotRestarting:
      return or(e.RestartReason, 'Task exceeded restart policy');
    case TaskEventType.SiblingFailed:
      return e.FailedSibling !== ''
        ? `Task's sibling ${JSON.stringify(e.FailedSibling)} failed`
        : "Task's sibling failed";
    case TaskEventType.Signaling:
      return signalingText(e.TaskSignal, e.TaskSignalReason);
    case TaskEventType.RestartSignal:
      return or(e.RestartReason, 'Task signaled to restart');
    case TaskEventType.DriverMessage:
      return e.DriverMessage;
    case TaskEventType.LeaderDead:
      return 'Leader Task in Group dead';
    case TaskEventType.MainDead:
      return 'Main tasks in the group died';
    case TaskEventType.ClientReconnected:
      return 'Client reconnected';
    default:
      return e.Message;
  }
}

function signalingText(sig: string, reason: string): string {
  if (sig === '' && reason === '') return 'Task being sent a signal';
  if (sig === '') return reason;
  if (reason === '') return `Task being sent signal ${sig}`;
  return `Task being sent signal ${sig}: ${reason}`;
}
