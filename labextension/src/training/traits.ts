/** The training traits the dashboard and the playground share (docs/protocol.md). */
import { checkData, checkStatus, checkStringList, checkTrainingConfig } from '../protocol';

export const TRAINING_TRAITS = {
  status: checkStatus,
  backends: checkStringList,
  data: checkData,
  config: checkTrainingConfig
};
