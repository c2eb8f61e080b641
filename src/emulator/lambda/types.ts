import type { InvocationResult, InvocationType } from '../contracts.js';

/** The fields CreateFunction accepts; types are checked here because they arrive as JSON. */
export interface CreateFunctionInput {
  FunctionName?: unknown;
  Runtime?: unknown;
  Role?: unknown;
  Handler?: unknown;
  Code?: unknown;
  Environment?: unknown;
  Timeout?: unknown;
  MemorySize?: unknown;
  Description?: unknown;
  PackageType?: unknown;
  Tags?: unknown;
  Architectures?: unknown;
  DeadLetterConfig?: unknown;
}

export interface UpdateFunctionConfigurationInput {
  Runtime?: unknown;
  Role?: unknown;
  Handler?: unknown;
  Environment?: unknown;
  Timeout?: unknown;
  MemorySize?: unknown;
  Description?: unknown;
  DeadLetterConfig?: unknown;
}

export interface FunctionConfiguration {
  FunctionName: string;
  FunctionArn: string;
  Runtime: string;
  Role: string;
  Handler: string;
  CodeSize: number;
  Description: string;
  Timeout: number;
  MemorySize: number;
  LastModified: string;
  CodeSha256: string;
  Version: string;
  Environment: { Variables: Record<string, string> };
  TracingConfig: { Mode: string };
  RevisionId: string;
  State: string;
  LastUpdateStatus: string;
  PackageType: string;
  Architectures: string[];
  EphemeralStorage: { Size: number };
  DeadLetterConfig?: { TargetArn?: string };
}

export interface FunctionStats {
  /** Handler runs, retries included. */
  invocations: number;
  /** Runs that failed (threw, timed out, crashed or failed to initialise). */
  errors: number;
  /** Async retries run. */
  retries: number;
  timeouts: number;
  coldStarts: number;
}

export interface InvocationRecord {
  requestId: string;
  type: InvocationType;
  /** 0 for the first attempt of an async event, 1 and 2 for its retries. */
  attempt: number;
  /** Clock time the run started. */
  at: number;
  status: 'success' | 'error';
  errorType?: string;
}

/** One run as `onResult` reports it: the history record plus the handler's returned JSON. */
export interface InvocationRunResult extends InvocationRecord {
  /** The JSON text the handler returned (successful runs only). */
  payload?: string;
}

export interface DetailedInvocationResult extends InvocationResult {
  requestId: string;
  executedVersion: string;
  /** Base64 of the last 4 KB of this invocation's log, when asked for with `tail`. */
  logResult?: string;
}
