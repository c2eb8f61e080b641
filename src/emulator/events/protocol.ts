import { z } from 'zod';
import { AwsError } from '../protocol/errors.js';
import { jsonErrorResponse, jsonResponse, parseJsonBody } from '../protocol/json.js';
import type { AwsRequest, AwsResponse, ServiceEndpoint } from '../protocol/types.js';
import type { EventsModel } from './model.js';

const TARGET_PREFIX = 'AWSEvents.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';

const str = z.string();
const bus = { EventBusName: str.optional() };
const target = z.object({
  Id: str,
  Arn: str,
  Input: str.optional(),
  InputPath: str.optional(),
  RoleArn: str.optional(),
});

const schemas = {
  PutRule: z.object({
    Name: str,
    ScheduleExpression: str.optional(),
    EventPattern: str.optional(),
    State: str.optional(),
    Description: str.max(512).optional(),
    RoleArn: str.optional(),
    ...bus,
  }),
  DescribeRule: z.object({ Name: str, ...bus }),
  ListRules: z.object({
    NamePrefix: str.optional(),
    Limit: z.number().int().optional(),
    NextToken: str.optional(),
    ...bus,
  }),
  DeleteRule: z.object({ Name: str, Force: z.boolean().optional(), ...bus }),
  EnableRule: z.object({ Name: str, ...bus }),
  DisableRule: z.object({ Name: str, ...bus }),
  PutTargets: z.object({ Rule: str, Targets: z.array(target).min(1).max(10), ...bus }),
  RemoveTargets: z.object({
    Rule: str,
    Ids: z.array(str).min(1).max(100),
    Force: z.boolean().optional(),
    ...bus,
  }),
  ListTargetsByRule: z.object({ Rule: str, ...bus }),
} satisfies Record<string, z.ZodType>;

type Schemas = typeof schemas;
type Op = keyof Schemas;
type Handlers = { [K in Op]: (m: EventsModel, input: z.output<Schemas[K]>) => unknown };

const handlers: Handlers = {
  PutRule: (m, i) => m.putRule(i),
  DescribeRule: (m, i) => m.describeRule(i.Name, i.EventBusName),
  ListRules: (m, i) => m.listRules(i.NamePrefix, i.Limit, i.NextToken, i.EventBusName),
  DeleteRule: (m, i) => m.deleteRule(i.Name, i.Force, i.EventBusName),
  EnableRule: (m, i) => m.setState(i.Name, true, i.EventBusName),
  DisableRule: (m, i) => m.setState(i.Name, false, i.EventBusName),
  PutTargets: (m, i) =>
    m.putTargets(
      i.Rule,
      i.Targets.map(
        (t) =>
          Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined)) as typeof t & {
            Id: string;
            Arn: string;
          },
      ),
      i.EventBusName,
    ),
  RemoveTargets: (m, i) => m.removeTargets(i.Rule, i.Ids, i.EventBusName),
  ListTargetsByRule: (m, i) => m.listTargetsByRule(i.Rule, i.EventBusName),
};

/** EventBridge over awsJson1_1 (`x-amz-target: AWSEvents.<Op>`). */
export class EventsEndpoint implements ServiceEndpoint {
  readonly name = 'events';

  constructor(private readonly resolve: (region: string) => EventsModel) {}

  accepts(req: AwsRequest): boolean {
    return req.target?.startsWith(TARGET_PREFIX) ?? false;
  }

  async handle(req: AwsRequest): Promise<AwsResponse> {
    try {
      const op = (req.target ?? '').slice(TARGET_PREFIX.length);
      if (!Object.hasOwn(handlers, op)) {
        throw new AwsError(
          'UnknownOperationException',
          `Operation ${op || '(none)'} is not supported by the emulated EventBridge service`,
        );
      }
      const parsed = schemas[op as Op].safeParse(parseJsonBody(req));
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const at = issue.path
          .map((p) => (typeof p === 'number' ? `${p + 1}.member` : lowerFirst(String(p))))
          .join('.');
        throw new AwsError(
          'ValidationException',
          `1 validation error detected: Value at '${at}' failed to satisfy constraint: ${issue.message}`,
        );
      }
      const handler = handlers[op as Op] as (m: EventsModel, input: unknown) => unknown;
      return jsonResponse(handler(this.resolve(req.region), parsed.data) ?? {}, CONTENT_TYPE);
    } catch (err) {
      return jsonErrorResponse(err, { contentType: CONTENT_TYPE });
    }
  }
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
