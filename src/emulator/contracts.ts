/**
 * The seams between emulated services. Each model depends on these small interfaces rather than on
 * another model, so every service can be built and tested alone and wired together in one place.
 */

export interface Dimension {
  name: string;
  value: string;
}

/** One metric observation, as a statistic set (what PutMetricData and AWS services publish). */
export interface MetricDatum {
  namespace: string;
  metricName: string;
  dimensions: Dimension[];
  /** Epoch milliseconds. */
  timestamp: number;
  unit?: string;
  sum: number;
  sampleCount: number;
  min: number;
  max: number;
}

/** Where services publish metrics (the CloudWatch model). */
export interface MetricSink {
  putMetric(datum: MetricDatum): void;
}

/** Where alarm actions publish (the SNS model, found by the topic ARN). */
export interface NotificationPublisher {
  /** Resolves once the message is accepted (delivery continues asynchronously). */
  publish(input: {
    topicArn: string;
    subject?: string;
    message: string;
  }): Promise<{ messageId: string }>;
}

export type InvocationType = 'Event' | 'RequestResponse';

export interface InvocationResult {
  statusCode: number;
  /** The JSON the handler returned, or the error object Lambda reports. */
  payload: string;
  /** Set when the handler threw: `Unhandled`, as Lambda reports it. */
  functionError?: string;
}

/** How SNS (and the Lambda REST API) invoke functions (the Lambda model). */
export interface LambdaInvoker {
  invoke(
    functionNameOrArn: string,
    payload: string,
    type: InvocationType,
  ): Promise<InvocationResult>;
}

/** Where CloudFormation reads the templates and code that tools uploaded (the S3 model). */
export interface ObjectReader {
  /** The object's bytes, or undefined when the bucket or the key does not exist. */
  readObject(bucket: string, key: string): Buffer | undefined;
}

/**
 * Where services deliver messages to SQS queues named by ARN (Lambda's on-failure destinations and
 * dead-letter queues). Throws an AwsError when the queue does not exist.
 */
export interface QueueSender {
  sendToArn(
    queueArn: string,
    body: string,
    attributes?: Record<string, { DataType: string; StringValue?: string }>,
  ): void;
}
