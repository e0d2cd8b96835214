import { type ZodError, z } from 'zod';

/** A configuration file or setting that cannot be used. Start-up stops with this message. */
export class ConfigError extends Error {
    readonly code = 'CONFIG_INVALID';
    constructor(
        readonly source: string,
        message: string,
    ) {
        super(`${source}: ${message}`);
        this.name = 'ConfigError';
    }

    static fromZod(source: string, error: ZodError): ConfigError {
        return new ConfigError(source, z.prettifyError(error));
    }
}
