import { Uploader } from './uploader';

export default function Page() {
  return (
    <main>
      <h1>Upload files</h1>
      <Uploader />
    </main>
  );
}
