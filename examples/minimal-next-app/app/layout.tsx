import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';

export const metadata = { title: 'Uploads' };

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
