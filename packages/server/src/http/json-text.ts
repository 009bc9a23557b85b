/** A response body already serialized (a cached answer): sent as is, not stringified again. */
export class JsonText {
  constructor(readonly text: string) {}
}
