import type { NormalizedEvent } from '../../src/dataverse/normalizedEvent';

/** A NormalizedEvent with sensible defaults, for tests of the map that do not need the wire format. */
export function normalizedEvent(
    overrides: Partial<NormalizedEvent> & Pick<NormalizedEvent, 'entity' | 'recordId'>,
): NormalizedEvent {
    return {
        messageName: 'Create',
        correlationId: '11111111-2222-3333-4444-555555555555',
        mode: 1,
        stage: 40,
        depth: 1,
        target: {},
        preImages: {},
        postImages: {},
        sizeExceeded: false,
        ...overrides,
    };
}
