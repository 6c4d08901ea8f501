/** The ParameterError a validation step raises; fails the test when it raises nothing or something else. */
import { ParameterError } from '../../nodes/KlingCometApi/helpers/validation';

export function refusal(fn: () => unknown): ParameterError {
	try {
		fn();
	} catch (error) {
		expect(error).toBeInstanceOf(ParameterError);
		return error as ParameterError;
	}
	throw new Error('expected a ParameterError');
}

/** The same for an async step (reading images). */
export async function asyncRefusal(promise: Promise<unknown>): Promise<ParameterError> {
	try {
		await promise;
	} catch (error) {
		expect(error).toBeInstanceOf(ParameterError);
		return error as ParameterError;
	}
	throw new Error('expected a ParameterError');
}
