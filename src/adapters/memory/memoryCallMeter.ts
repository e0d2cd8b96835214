import { addCall, type CallMeter, type DayMeter, emptyDay, type MeteredCall } from '../../ports/callMeter';

export class MemoryCallMeter implements CallMeter {
    readonly #days = new Map<string, DayMeter>();

    async record(call: MeteredCall): Promise<void> {
        this.#days.set(call.day, addCall(this.#days.get(call.day) ?? emptyDay(call.day), call));
    }

    async read(day: string): Promise<DayMeter> {
        return structuredClone(this.#days.get(day) ?? emptyDay(day));
    }
}
