/**
 * The widget protocol, version 1 (docs/protocol.md): the intents a view sends, the replies
 * and events the kernel sends, and the synced traits. Everything the kernel sends is
 * checked here before a view sees it.
 */
import type { BufferLike, DType, NDArray } from './codec';
import { decodeArray } from './codec';
import {
  array,
  bool,
  Check,
  int,
  literal,
  nullable,
  num,
  object,
  optional,
  ProtocolError,
  record,
  str,
  unknownValue
} from './schema';

export { ProtocolError } from './schema';

export const PROTOCOL_VERSION = 1;

// Common shapes

export interface Ref {
  node: string;
  output: number;
}
export interface Port {
  node: string;
  arg: number;
}
export interface Position {
  x: number;
  y: number;
}
export type Shape = (number | null)[];
export interface BufferRef {
  buffer: number;
  dtype: Extract<DType, 'float32' | 'float64' | 'int32' | 'uint8'>;
  shape: number[];
}

export const checkRef: Check<Ref> = object({ node: str, output: int });
export const checkPort: Check<Port> = object({ node: str, arg: int });
export const checkPosition: Check<Position> = object({ x: num, y: num });
export const checkShape: Check<Shape> = array(nullable(int));
export const checkBufferRef: Check<BufferRef> = object({
  buffer: int,
  dtype: literal('float32', 'float64', 'int32', 'uint8'),
  shape: array(int)
});

// Intents (browser -> kernel)

export type Config = Record<string, unknown>;
export type BackendName = string;
export type Tab = 'build' | 'train' | 'inspect';
export type ViewKind = 'editor' | 'dashboard' | 'inspector';
export type ExportKind = 'spec' | 'code' | 'model' | 'keras' | 'onnx';
export type Framework = 'engine' | 'keras' | 'torch' | 'jax' | 'tensorflow';

export type Intent =
  | { type: 'ready' }
  // graph editor
  | { type: 'add_layer'; class_name: string; config?: Config; position?: Position }
  | { type: 'connect'; source: Ref; target: Port }
  | { type: 'disconnect'; source: Ref; target: Port }
  | { type: 'update_config'; node: string; config: Config }
  | { type: 'delete'; nodes: string[] }
  | { type: 'move'; positions: Record<string, Position> }
  | { type: 'undo' }
  | { type: 'redo' }
  | { type: 'auto_layout'; direction?: 'down' | 'right' }
  | { type: 'set_outputs'; outputs: Ref[] }
  | { type: 'load_spec'; spec: Config }
  | { type: 'select'; node: string | null }
  | { type: 'export'; kind: ExportKind; framework?: Framework }
  // training (dashboard and playground)
  | { type: 'start'; epochs: number; batch_size: number }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'set_learning_rate'; value: number }
  | { type: 'set_backend'; backend: BackendName }
  // inspector
  | { type: 'select_node'; node: string | null }
  | { type: 'select_sample'; index: number }
  | { type: 'refresh' }
  | { type: 'set_every'; every: number }
  // playground
  | { type: 'configure'; changes: Partial<PlaygroundSettings> }
  | { type: 'set_dataset'; name: string; noise?: number; samples?: number; seed?: number }
  | { type: 'set_resolution'; resolution: number }
  | { type: 'reset_weights' }
  // workbench
  | { type: 'select_tab'; tab: Tab }
  // sidebar
  | { type: 'open_view'; model: string; view: ViewKind };

export type IntentType = Intent['type'];
export type Envelope<T> = T & { version: number; request_id?: string };

export function envelope<T extends Intent>(intent: T, requestId?: string): Envelope<T> {
  return requestId === undefined
    ? { ...intent, version: PROTOCOL_VERSION }
    : { ...intent, version: PROTOCOL_VERSION, request_id: requestId };
}

// Replies and events (kernel -> browser)

export type ErrorCode = 'invalid_message' | 'version_mismatch' | 'too_large' | 'rejected' | 'internal';

export interface Ack {
  type: 'ack';
  request_id: string | null;
  result: Config;
}
export interface ErrorReply {
  type: 'error';
  request_id: string | null;
  code: ErrorCode;
  message: string;
  intent: string | null;
}
export interface CurveSeriesDelta {
  name: string;
  steps: BufferRef;
  values: BufferRef;
}
export type MarkerKind = 'backend' | 'learning_rate' | 'start' | 'stop';
export interface Marker {
  step: number;
  kind: MarkerKind;
  label: string;
}
export interface CurveDelta {
  type: 'curve_delta';
  reset: boolean;
  series: CurveSeriesDelta[];
  markers: Marker[];
}
export interface ActivationEvent {
  type: 'activation';
  node: string;
  sample: number;
  values: BufferRef;
}
export interface HistogramRef {
  counts: BufferRef;
  low: number | null;
  high: number | null;
}
/** A SUMMARY of engine.inspection on the wire: statistics as JSON, arrays as buffers. */
export interface SummaryRef {
  stats: Record<string, number | null>;
  histogram: HistogramRef | null;
  heat_map: BufferRef | null;
}
export interface InspectionHistoryEvent {
  type: 'inspection_history';
  steps: BufferRef;
  loss: BufferRef;
  layers: string[];
  columns: string[];
  values: BufferRef;
}
export interface InspectionDetailEvent {
  type: 'inspection_detail';
  node: string;
  step: number | null;
  source: CaptureSource | null;
  activation: SummaryRef | null;
  gradient: SummaryRef | null;
  weights: { name: string; value: SummaryRef; gradient: SummaryRef; update_ratio: number | null }[];
  dead_fraction: number | null;
  saturated_fraction: number | null;
}
export interface PointSet {
  x: BufferRef;
  y: BufferRef;
}
export interface PointsEvent {
  type: 'points';
  train: PointSet;
  test: PointSet;
}
export interface Neuron {
  node: string;
  unit: number;
}
export interface GridEvent {
  type: 'grid';
  extent: number[];
  output: BufferRef;
  neurons: Neuron[];
  neuron_values: BufferRef | null;
  inputs?: string[];
  input_values?: BufferRef;
}
export interface StateEvent {
  type: 'state';
  state: Config;
}
export interface DownloadEvent {
  type: 'download';
  filename: string;
  mime: string;
  data: BufferRef;
}

export type KernelMessage =
  | Ack
  | ErrorReply
  | CurveDelta
  | ActivationEvent
  | PointsEvent
  | GridEvent
  | StateEvent
  | DownloadEvent
  | InspectionHistoryEvent
  | InspectionDetailEvent;
export type KernelEvent = Exclude<KernelMessage, Ack | ErrorReply>;

const checkMarker: Check<Marker> = object({
  step: int,
  kind: literal('backend', 'learning_rate', 'start', 'stop'),
  label: str
});
const checkPointSet: Check<PointSet> = object({ x: checkBufferRef, y: checkBufferRef });
const checkSummaryRef: Check<SummaryRef> = object({
  stats: record(nullable(num)),
  histogram: nullable(object({ counts: checkBufferRef, low: nullable(num), high: nullable(num) })),
  heat_map: nullable(checkBufferRef)
});

const KERNEL_MESSAGES: { [K in KernelMessage['type']]: Check<Omit<Extract<KernelMessage, { type: K }>, 'type'>> } = {
  ack: object({ request_id: nullable(str), result: record(unknownValue) }),
  error: object({
    request_id: nullable(str),
    code: literal('invalid_message', 'version_mismatch', 'too_large', 'rejected', 'internal'),
    message: str,
    intent: nullable(str)
  }),
  curve_delta: object({
    reset: bool,
    series: array(object({ name: str, steps: checkBufferRef, values: checkBufferRef })),
    markers: array(checkMarker)
  }),
  activation: object({ node: str, sample: int, values: checkBufferRef }),
  inspection_history: object({
    steps: checkBufferRef,
    loss: checkBufferRef,
    layers: array(str),
    columns: array(str),
    values: checkBufferRef
  }),
  inspection_detail: object({
    node: str,
    step: nullable(int),
    source: nullable(literal('batch', 'training')),
    activation: nullable(checkSummaryRef),
    gradient: nullable(checkSummaryRef),
    weights: array(
      object({ name: str, value: checkSummaryRef, gradient: checkSummaryRef, update_ratio: nullable(num) })
    ),
    dead_fraction: nullable(num),
    saturated_fraction: nullable(num)
  }),
  points: object({ train: checkPointSet, test: checkPointSet }),
  grid: object({
    extent: array(num),
    output: checkBufferRef,
    neurons: array(object({ node: str, unit: int })),
    neuron_values: nullable(checkBufferRef),
    inputs: optional(array(str)),
    input_values: optional(checkBufferRef)
  }),
  state: object({ state: record(unknownValue) }),
  download: object({ filename: str, mime: str, data: checkBufferRef })
};

/**
 * A kernel message, checked: its version, its type's fields, and every buffer reference
 * against the buffers that came with it. Throws ProtocolError.
 */
export function parseKernelMessage(value: unknown, buffers: readonly BufferLike[] = []): KernelMessage {
  const head = object({ type: str, version: int })(value);
  if (head.version !== PROTOCOL_VERSION) {
    throw new ProtocolError(
      `the kernel speaks protocol version ${head.version}, this page version ${PROTOCOL_VERSION}: ` +
        'restart the kernel and reload the page after upgrading'
    );
  }
  const check = (KERNEL_MESSAGES as Record<string, Check<unknown>>)[head.type];
  if (check === undefined) {
    throw new ProtocolError(`unknown message type "${head.type}"`);
  }
  check(value);
  for (const ref of bufferRefsIn(value)) {
    if (ref.buffer < 0 || ref.buffer >= buffers.length) {
      throw new ProtocolError(`${head.type}: buffer ${ref.buffer} is missing (${buffers.length} came)`);
    }
  }
  return value as KernelMessage;
}

function bufferRefsIn(value: unknown): BufferRef[] {
  if (Array.isArray(value)) {
    return value.flatMap(bufferRefsIn);
  }
  if (typeof value !== 'object' || value === null) {
    return [];
  }
  if ('buffer' in value && 'dtype' in value && 'shape' in value) {
    return [value as BufferRef];
  }
  return Object.values(value).flatMap(bufferRefsIn);
}

/** The typed array a buffer reference points at. */
export function resolveBuffer(ref: BufferRef, buffers: readonly BufferLike[]): NDArray {
  return decodeArray({ dtype: ref.dtype, shape: ref.shape }, buffers[ref.buffer]);
}

// Synced traits: graph editor

export interface TensorArgState {
  name: string;
  kind: 'single' | 'list';
  optional: boolean;
  sources: Ref[];
}
export type NodeStatus = 'ok' | 'error' | 'waiting';
export interface NodeState {
  id: string;
  class: string;
  config: Config;
  args: TensorArgState[];
  position: Position;
  output_shapes: Shape[] | null;
  params: number | null;
  status: NodeStatus;
  error: string | null;
}
export interface Edge {
  source: Ref;
  target: Port;
}
export interface GraphState {
  name: string;
  nodes: NodeState[];
  edges: Edge[];
  inputs: string[];
  outputs: Ref[];
  outputs_auto: boolean;
  errors: string[];
  valid: boolean;
  total_params: number | null;
}

export const checkNodeState: Check<NodeState> = object({
  id: str,
  class: str,
  config: record(unknownValue),
  args: array(object({ name: str, kind: literal('single', 'list'), optional: bool, sources: array(checkRef) })),
  position: checkPosition,
  output_shapes: nullable(array(checkShape)),
  params: nullable(int),
  status: literal('ok', 'error', 'waiting'),
  error: nullable(str)
});

/** An inspection finding shown as a badge on its node (engine.inspection's Diagnostic). */
export interface NodeDiagnostic {
  id: string;
  node: string;
  step: number | null;
  message: string;
}

export const checkDiagnostics: Check<NodeDiagnostic[]> = array(
  object({ id: str, node: str, step: nullable(int), message: str })
);

export const checkGraph: Check<GraphState> = object({
  name: str,
  nodes: array(checkNodeState),
  edges: array(object({ source: checkRef, target: checkPort })),
  inputs: array(str),
  outputs: array(checkRef),
  outputs_auto: bool,
  errors: array(str),
  valid: bool,
  total_params: nullable(int)
});

export type ArgumentType = 'int' | 'float' | 'bool' | 'string' | 'choice' | 'shape' | 'int_list' | 'int_or_int_list';
/** A palette category ("core", "convolution"...): the kernel declares them and their order
 * (engine/layers/declaration.py: CATEGORIES), and sends the palette in that order. */
export type LayerCategory = string;

export interface ArgumentSpec {
  name: string;
  type: ArgumentType;
  default?: unknown;
  required: boolean;
  nullable: boolean;
  choices?: string[];
  length?: number;
  /** The range of an "int" or "float" (JSON Schema's names): an exclusive end is left out. */
  minimum?: number;
  maximum?: number;
  exclusive_minimum?: number;
  exclusive_maximum?: number;
}
export interface PaletteEntry {
  class: string;
  category: LayerCategory;
  doc: string;
  args: { name: string; kind: 'single' | 'list'; optional: boolean }[];
  arguments: ArgumentSpec[];
}

export const checkArgumentSpec: Check<ArgumentSpec> = object({
  name: str,
  type: literal('int', 'float', 'bool', 'string', 'choice', 'shape', 'int_list', 'int_or_int_list'),
  default: optional(unknownValue),
  required: bool,
  nullable: bool,
  choices: optional(array(str)),
  length: optional(int),
  minimum: optional(num),
  maximum: optional(num),
  exclusive_minimum: optional(num),
  exclusive_maximum: optional(num)
});

export const checkPalette: Check<PaletteEntry[]> = array(
  object({
    class: str,
    category: str,
    doc: str,
    args: array(object({ name: str, kind: literal('single', 'list'), optional: bool })),
    arguments: array(checkArgumentSpec)
  })
);

export interface History {
  can_undo: boolean;
  can_redo: boolean;
  undo_label: string | null;
  redo_label: string | null;
}
export const checkHistory: Check<History> = object({
  can_undo: bool,
  can_redo: bool,
  undo_label: nullable(str),
  redo_label: nullable(str)
});

// Synced traits: training (dashboard and playground)

export type TrainingState = 'idle' | 'running' | 'paused' | 'stopping' | 'finished' | 'stopped' | 'error';
export interface TrainingStatus {
  state: TrainingState;
  epoch: number;
  epochs: number;
  step: number;
  steps_per_epoch: number | null;
  backend: string;
  learning_rate: number | null;
  message: string | null;
  steps_per_second: number | null;
}
export const checkStatus: Check<TrainingStatus> = object({
  state: literal('idle', 'running', 'paused', 'stopping', 'finished', 'stopped', 'error'),
  epoch: int,
  epochs: int,
  step: int,
  steps_per_epoch: nullable(int),
  backend: str,
  learning_rate: nullable(num),
  message: nullable(str),
  steps_per_second: nullable(num)
});

export interface DataSummary {
  name: string;
  task: string;
  samples: number;
  x_shape: Shape;
  y_shape: Shape;
}
export const checkData: Check<DataSummary | null> = nullable(
  object({ name: str, task: str, samples: int, x_shape: checkShape, y_shape: checkShape })
);

export interface TrainingConfig {
  epochs: number;
  batch_size: number;
}
export const checkTrainingConfig: Check<TrainingConfig> = object({ epochs: int, batch_size: int });

// Synced traits: inspector

export interface InspectorNode {
  id: string;
  class: string;
  output_shapes: Shape[] | null;
  params: number | null;
  inputs?: string[];
  activation?: string;
}
export const checkInspectorNodes: Check<InspectorNode[]> = array(
  object({
    id: str,
    class: str,
    output_shapes: nullable(array(checkShape)),
    params: nullable(int),
    inputs: optional(array(str)),
    activation: optional(str)
  })
);

export type CaptureSource = 'batch' | 'training';
export interface CaptureState {
  every: number;
  training: boolean;
  source: CaptureSource | null;
  step: number | null;
  loss: number | null;
  records: number;
  message: string | null;
}
export const checkCapture: Check<CaptureState> = object({
  every: int,
  training: bool,
  source: nullable(literal('batch', 'training')),
  step: nullable(int),
  loss: nullable(num),
  records: int,
  message: nullable(str)
});

/** A finding of engine.inspection (`jsonable(Diagnostic)`): a stable id, the node, the step. */
export interface InspectionDiagnostic {
  id: string;
  node: string | null;
  step: number;
  message: string;
  value?: number | null;
}
export const checkInspectionDiagnostics: Check<InspectionDiagnostic[]> = array(
  object({ id: str, node: nullable(str), step: int, message: str, value: optional(nullable(num)) })
);

// Synced traits: playground and workbench

export interface DatasetState {
  name: string;
  choices: string[];
  noise: number;
  samples: number;
  seed: number;
  task: string;
  classes: number;
}
export const checkDataset: Check<DatasetState> = object({
  name: str,
  choices: array(str),
  noise: num,
  samples: int,
  seed: int,
  task: str,
  classes: int
});

export const checkExtent: Check<number[]> = array(num);

/** The playground's whole configuration (workbench/playground_config.py's DEFAULTS). */
export interface PlaygroundSettings {
  problem: string;
  dataset: string;
  noise: number;
  ratio: number;
  samples: number;
  seed: number;
  batch_size: number;
  features: string[];
  hidden: number[];
  activation: string;
  learning_rate: number;
  regularization: string;
  regularization_rate: number;
}
export interface PlaygroundSettingsState {
  values: PlaygroundSettings;
  fragment: string;
  custom_model: boolean;
  choices: {
    problem: string[];
    features: string[];
    activation: string[];
    regularization: string[];
    max_layers: number;
    max_neurons: number;
  };
}
export const checkPlaygroundSettings: Check<PlaygroundSettingsState> = object({
  values: object({
    problem: str,
    dataset: str,
    noise: num,
    ratio: int,
    samples: int,
    seed: int,
    batch_size: int,
    features: array(str),
    hidden: array(int),
    activation: str,
    learning_rate: num,
    regularization: str,
    regularization_rate: num
  }),
  fragment: str,
  custom_model: bool,
  choices: object({
    problem: array(str),
    features: array(str),
    activation: array(str),
    regularization: array(str),
    max_layers: int,
    max_neurons: int
  })
});

export interface WorkbenchChildren {
  build: string | null;
  train: string | null;
  inspect: string | null;
}
export const checkChildren: Check<WorkbenchChildren> = object({
  build: nullable(str),
  train: nullable(str),
  inspect: nullable(str)
});
export const checkTab: Check<Tab> = literal('build', 'train', 'inspect');

export const checkStringList: Check<string[]> = array(str);
export const checkNullableString: Check<string | null> = nullable(str);
export const checkString: Check<string> = str;
export const checkInt: Check<number> = int;

/** Whether a value is a widget reference such as "IPY_MODEL_1a2b", and its model id. */
export function widgetRefId(ref: string): string {
  const prefix = 'IPY_MODEL_';
  if (!ref.startsWith(prefix)) {
    throw new ProtocolError(`expected a widget reference "IPY_MODEL_<id>", got ${JSON.stringify(ref)}`);
  }
  return ref.slice(prefix.length);
}

// The sidebar's traits (comm target "model-workbench", in `state` events)

export type ModelTrainingState =
  'not_compiled' | 'compiled' | 'running' | 'paused' | 'stopping' | 'finished' | 'stopped' | 'error';
export interface ModelTraining {
  state: ModelTrainingState;
  source: 'fit' | 'dashboard' | null;
  epoch: number;
  epochs: number;
  loss: number | null;
  curve: number[];
}
export interface ModelEntry {
  name: string;
  class: string;
  model_name: string;
  params: number | null;
  backend: string;
  training: ModelTraining;
  data: string | null;
  views: ViewKind[];
}
export const checkViewKind: Check<ViewKind> = literal('editor', 'dashboard', 'inspector');
export const checkModelEntries: Check<ModelEntry[]> = array(
  object({
    name: str,
    class: str,
    model_name: str,
    params: nullable(int),
    backend: str,
    training: object({
      state: literal('not_compiled', 'compiled', 'running', 'paused', 'stopping', 'finished', 'stopped', 'error'),
      source: nullable(literal('fit', 'dashboard')),
      epoch: int,
      epochs: int,
      loss: nullable(num),
      curve: array(num)
    }),
    data: nullable(str),
    views: array(checkViewKind)
  })
);

/** Every sidebar trait and its check. */
export const SIDEBAR_TRAITS = {
  backend: checkString,
  backends: checkStringList,
  models: checkModelEntries,
  palette: checkPalette,
  executing: bool as Check<boolean>
};

/** The `open_view` ack's result: the widget to show. */
export const checkOpenedView: Check<{ widget: string }> = object({ widget: str });
