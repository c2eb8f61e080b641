import { AwsError, toAwsError } from '../protocol/errors.js';
import { parseJsonBody } from '../protocol/json.js';
import type { AwsRequest, AwsResponse, ServiceEndpoint } from '../protocol/types.js';
import type { LambdaModel } from './model.js';

const PREFIX = '/2015-03-31/functions';
/** Async invocation settings live under a later API version's path. */
const EVENT_CONFIG_PREFIX = '/2019-09-25/functions';
const INVOCATION_TYPES = ['Event', 'RequestResponse', 'DryRun'] as const;

/**
 * Lambda's restJson1 API: the operations a deployment tool and the SDK's Invoke need. Errors carry
 * the code in `x-amzn-errortype`, which is where @aws-sdk/client-lambda reads the error name.
 */
export class LambdaEndpoint implements ServiceEndpoint {
  readonly name = 'lambda';

  constructor(private readonly resolve: (region: string) => LambdaModel) {}

  accepts(req: AwsRequest): boolean {
    return (
      req.path === PREFIX ||
      req.path.startsWith(`${PREFIX}/`) ||
      req.path.startsWith(`${EVENT_CONFIG_PREFIX}/`)
    );
  }

  async handle(req: AwsRequest): Promise<AwsResponse> {
    try {
      return await this.route(req);
    } catch (err) {
      return restJsonError(err);
    }
  }

  private async route(req: AwsRequest): Promise<AwsResponse> {
    const model = this.resolve(req.region);
    if (req.path.startsWith(`${EVENT_CONFIG_PREFIX}/`)) return eventInvokeConfig(model, req);
    const rest = req.path.slice(PREFIX.length).replace(/^\//, '');
    const [rawName, sub, ...extra] = rest === '' ? [] : rest.split('/');
    if (extra.length > 0) throw unknownRoute(req);
    if (rawName === undefined || rawName === '') {
      if (req.method === 'POST') return json(201, await model.createFunction(createInput(req)));
      if (req.method === 'GET') {
        const maxItems = req.query.get('MaxItems');
        return json(
          200,
          model.listFunctions(
            req.query.get('Marker') ?? undefined,
            maxItems === null ? undefined : Number(maxItems),
          ),
        );
      }
      throw unknownRoute(req);
    }
    const name = decodeName(rawName);
    switch (`${req.method} ${sub ?? ''}`) {
      case 'GET ':
        return json(200, model.getFunction(name));
      case 'DELETE ':
        await model.deleteFunction(name);
        return { status: 204, body: '' };
      case 'GET configuration':
        return json(200, model.getFunctionConfiguration(name));
      case 'PUT configuration':
        return json(200, await model.updateFunctionConfiguration(name, parseJsonBody(req)));
      case 'PUT code': {
        const body = parseJsonBody(req);
        if (body.S3Bucket !== undefined || body.ImageUri !== undefined) {
          throw new AwsError(
            'InvalidParameterValueException',
            'The embedded emulator accepts function code as ZipFile only (no S3 or image sources).',
          );
        }
        return json(
          200,
          await model.updateFunctionCode(name, { ZipFile: base64Blob(body.ZipFile, 'ZipFile') }),
        );
      }
      case 'POST invocations':
        return invoke(model, name, req);
      default:
        throw unknownRoute(req);
    }
  }
}

async function invoke(model: LambdaModel, name: string, req: AwsRequest): Promise<AwsResponse> {
  const type = header(req, 'x-amz-invocation-type') ?? 'RequestResponse';
  if (!(INVOCATION_TYPES as readonly string[]).includes(type)) {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value '${type}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`,
    );
  }
  const logType = header(req, 'x-amz-log-type') ?? 'None';
  if (logType !== 'None' && logType !== 'Tail') {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value '${logType}' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [Tail, None]`,
    );
  }
  const qualifier = req.query.get('Qualifier') ?? undefined;
  if (type === 'DryRun') {
    model.getFunction(qualifier ? `${name}:${qualifier}` : name);
    return { status: 204, body: '' };
  }
  const result = await model.invokeDetailed(
    name,
    req.body.toString('utf8'),
    type as 'Event' | 'RequestResponse',
    { tail: logType === 'Tail', ...(qualifier ? { qualifier } : {}) },
  );
  if (type === 'Event') return { status: 202, body: '' };
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-amz-executed-version': result.executedVersion,
  };
  if (result.functionError) headers['x-amz-function-error'] = result.functionError;
  if (result.logResult !== undefined) headers['x-amz-log-result'] = result.logResult;
  return { status: result.statusCode, headers, body: result.payload };
}

/** Put/Update/Get/Delete/ListFunctionEventInvokeConfig(s). */
function eventInvokeConfig(model: LambdaModel, req: AwsRequest): AwsResponse {
  const rest = req.path.slice(EVENT_CONFIG_PREFIX.length + 1).split('/');
  const [rawName, sub, list, ...extra] = rest;
  if (!rawName || sub !== 'event-invoke-config' || extra.length > 0) throw unknownRoute(req);
  const name = decodeName(rawName);
  const qualifier = req.query.get('Qualifier') ?? undefined;
  if (list !== undefined) {
    if (list !== 'list' || req.method !== 'GET') throw unknownRoute(req);
    return json(200, model.listEventInvokeConfigs(name));
  }
  switch (req.method) {
    case 'PUT':
    case 'POST':
      return json(
        200,
        model.putEventInvokeConfig(name, parseJsonBody(req), req.method === 'POST', qualifier),
      );
    case 'GET':
      return json(200, model.getEventInvokeConfig(name, qualifier));
    case 'DELETE':
      model.deleteEventInvokeConfig(name, qualifier);
      return { status: 204, body: '' };
    default:
      throw unknownRoute(req);
  }
}

function createInput(req: AwsRequest): Record<string, unknown> {
  const body = parseJsonBody(req);
  const code = body.Code;
  if (typeof code === 'object' && code !== null && !Array.isArray(code)) {
    const c = code as Record<string, unknown>;
    if (c.ZipFile !== undefined) {
      return { ...body, Code: { ...c, ZipFile: base64Blob(c.ZipFile, 'Code.ZipFile') } };
    }
  }
  return body;
}

function base64Blob(value: unknown, field: string): Buffer {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/\r\n]*={0,2}$/.test(value)) {
    throw new AwsError('InvalidParameterValueException', `${field} must be base64-encoded bytes`);
  }
  return Buffer.from(value, 'base64');
}

function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new AwsError('ValidationException', `The function name ${raw} is not validly encoded`);
  }
}

function header(req: AwsRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function json(status: number, value: unknown): AwsResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}

function unknownRoute(req: AwsRequest): AwsError {
  return new AwsError(
    'UnknownOperationException',
    `The embedded Lambda emulator does not serve ${req.method} ${req.path}`,
    404,
  );
}

/** Lambda's REST error shape: `Type` says whose fault it is, the code travels in a header. */
export function restJsonError(err: unknown): AwsResponse {
  const e = toAwsError(err);
  return {
    status: e.status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': e.code },
    body: JSON.stringify({ Type: e.status >= 500 ? 'Service' : 'User', message: e.message }),
  };
}
