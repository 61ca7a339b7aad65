export * from './checkpoint-requests.util';
export * from './text-edits.util';
